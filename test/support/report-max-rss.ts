// Preloaded into a child process (`node --import tsx --import ./test/support/report-max-rss.ts …`):
// its peak resident memory, printed on stderr as it exits, for tests that bound a command's memory.
process.on('exit', () => {
  process.stderr.write(`\nmax-rss-kib:${process.resourceUsage().maxRSS}\n`);
});
