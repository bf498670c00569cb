// Admin console enhancements; every page works without them.
// Copy buttons: <button type="button" class="copy-button" data-copy="element-id" hidden>Copy</button>
(function () {
  'use strict';
  if (!navigator.clipboard) return;
  document.querySelectorAll('.copy-button[data-copy]').forEach(function (button) {
    var source = document.getElementById(button.getAttribute('data-copy'));
    if (!source) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener('click', function () {
      var text = 'value' in source && source.value !== undefined ? source.value : source.textContent;
      navigator.clipboard.writeText(text.trim()).then(
        function () {
          button.textContent = 'Copied';
          setTimeout(function () {
            button.textContent = label;
          }, 2000);
        },
        function () {
          button.textContent = 'Copy failed: select and copy by hand';
        },
      );
    });
  });
})();
