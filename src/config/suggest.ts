// "Did you mean …?" for a mistyped setting: the closest known key by edit distance, when it is close enough
// to be a typo (at most a third of the key's length, and never for very short keys).

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known key the operator most likely meant, or null. Case is ignored ("CRON" → "cron"). */
export function closestKey(key: string, known: Iterable<string>): string | null {
  let best: { key: string; distance: number } | null = null;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (best === null || distance < best.distance) best = { key: candidate, distance };
  }
  if (best === null || key.length < 3) return null;
  return best.distance <= Math.max(1, Math.floor(key.length / 3)) ? best.key : null;
}

export function unknownSettingMessage(key: string, known: Iterable<string>): string {
  const suggestion = closestKey(key, known);
  return `unknown setting "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}`;
}
