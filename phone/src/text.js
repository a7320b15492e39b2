// Vietnamese folding for search, the same as the server's backend/text.py: "nguyen thi huong" finds
// "Nguyễn Thị Hường". đ is a letter of its own (no combining mark), so it is mapped first.
export function fold(text) {
  return String(text || '')
    .replace(/[đĐ]/g, 'd')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

// A key that sorts labels the way people expect: accents aside, and "Nhà số 9" before "Nhà số 10".
// Plain string comparison on it is much cheaper than Intl.Collator on a slow phone.
export function sortKey(label) {
  return fold(label).replace(/\d+/g, (digits) => digits.padStart(6, '0'));
}
