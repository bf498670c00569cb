// A short list of the passwords that lead every breach corpus; the length rule catches the rest.
const COMMON = [
  'password',
  'passw0rd',
  '123456789012',
  'qwertyuiop',
  'qwertyuiopas',
  'administrator',
  'letmein',
  'welcome',
  'iloveyou',
  'changeme',
  'magento',
  'admin',
  'secret',
  'monkey',
  'dragon',
  'football',
  'baseball',
  'sunshine',
  'princess',
  'trustno1',
  'abc123',
  'qwerty',
  '1q2w3e4r',
  'zaq12wsx',
];

export const MIN_PASSWORD_LENGTH = 12;

/** Returns why the password is refused, or null when it is acceptable. */
export function checkPasswordPolicy(password: string, username: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH)
    return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 1024) return 'the password is too long (1024 characters at most)';
  const lower = password.toLowerCase();
  const user = username.trim().toLowerCase();
  if (user.length >= 3 && lower.includes(user)) return 'the password must not contain the username';
  if (new Set(lower).size <= 3) return 'the password uses too few different characters';
  if (isSequence(lower)) return 'the password must not be a keyboard or number sequence';
  const stripped = lower.replace(/[^a-z]/g, '');
  if (
    COMMON.some((c) => lower.startsWith(c) && lower.replace(c, '').replace(/[\d\W_]/g, '') === '') ||
    (stripped && COMMON.includes(stripped))
  )
    return 'the password is too common';
  return null;
}

function isSequence(s: string): boolean {
  const rows = ['0123456789012345678901234567890', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiopasdfghjklzxcvbnm'];
  return rows.some((r) => r.includes(s) || [...r].reverse().join('').includes(s));
}
