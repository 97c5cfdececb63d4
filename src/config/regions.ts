// Kazakhstan's ISO 3166-2 subdivisions (17 regions + 3 cities). The CANONICAL id is the current two-digit
// numeric code ("KZ-75"); the older letter codes ("KZ-ALA") are accepted everywhere and normalised to it on
// load, because Debian's iso-codes and older tools still only know the letter codes.
// Codes and old→new mapping: /work/shared/reference/shutdowns.md §6.3 (ISO 3166-2:KZ; the mapping is by
// name). Russian names of the 17 older subdivisions match iso-codes' ru translation; kk names and the
// 2022 regions (Abai, Jetisu, Ulytau, created 8 Jun 2022) are their official names.

export interface LocalizedNames {
  kk: string;
  ru: string;
  en: string;
}

export interface RegionInfo {
  /** Canonical id: the current numeric ISO 3166-2 code. */
  id: string;
  /** Older letter code, or null for the regions created in 2022. */
  letterCode: string | null;
  kind: "region" | "city";
  names: LocalizedNames;
}

export const KZ_REGIONS: readonly RegionInfo[] = [
  { id: "KZ-10", letterCode: null, kind: "region", names: { kk: "Абай облысы", ru: "область Абай", en: "Abai Region" } },
  { id: "KZ-11", letterCode: "KZ-AKM", kind: "region", names: { kk: "Ақмола облысы", ru: "Акмолинская область", en: "Akmola Region" } },
  { id: "KZ-15", letterCode: "KZ-AKT", kind: "region", names: { kk: "Ақтөбе облысы", ru: "Актюбинская область", en: "Aktobe Region" } },
  { id: "KZ-19", letterCode: "KZ-ALM", kind: "region", names: { kk: "Алматы облысы", ru: "Алматинская область", en: "Almaty Region" } },
  { id: "KZ-23", letterCode: "KZ-ATY", kind: "region", names: { kk: "Атырау облысы", ru: "Атырауская область", en: "Atyrau Region" } },
  { id: "KZ-27", letterCode: "KZ-ZAP", kind: "region", names: { kk: "Батыс Қазақстан облысы", ru: "Западно-Казахстанская область", en: "West Kazakhstan Region" } },
  { id: "KZ-31", letterCode: "KZ-ZHA", kind: "region", names: { kk: "Жамбыл облысы", ru: "Жамбылская область", en: "Jambyl Region" } },
  { id: "KZ-33", letterCode: null, kind: "region", names: { kk: "Жетісу облысы", ru: "область Жетысу", en: "Jetisu Region" } },
  { id: "KZ-35", letterCode: "KZ-KAR", kind: "region", names: { kk: "Қарағанды облысы", ru: "Карагандинская область", en: "Karaganda Region" } },
  { id: "KZ-39", letterCode: "KZ-KUS", kind: "region", names: { kk: "Қостанай облысы", ru: "Костанайская область", en: "Kostanay Region" } },
  { id: "KZ-43", letterCode: "KZ-KZY", kind: "region", names: { kk: "Қызылорда облысы", ru: "Кызылординская область", en: "Kyzylorda Region" } },
  { id: "KZ-47", letterCode: "KZ-MAN", kind: "region", names: { kk: "Маңғыстау облысы", ru: "Мангистауская область", en: "Mangystau Region" } },
  { id: "KZ-55", letterCode: "KZ-PAV", kind: "region", names: { kk: "Павлодар облысы", ru: "Павлодарская область", en: "Pavlodar Region" } },
  { id: "KZ-59", letterCode: "KZ-SEV", kind: "region", names: { kk: "Солтүстік Қазақстан облысы", ru: "Северо-Казахстанская область", en: "North Kazakhstan Region" } },
  { id: "KZ-61", letterCode: "KZ-YUZ", kind: "region", names: { kk: "Түркістан облысы", ru: "Туркестанская область", en: "Turkistan Region" } },
  { id: "KZ-62", letterCode: null, kind: "region", names: { kk: "Ұлытау облысы", ru: "область Улытау", en: "Ulytau Region" } },
  { id: "KZ-63", letterCode: "KZ-VOS", kind: "region", names: { kk: "Шығыс Қазақстан облысы", ru: "Восточно-Казахстанская область", en: "East Kazakhstan Region" } },
  { id: "KZ-71", letterCode: "KZ-AST", kind: "city", names: { kk: "Астана", ru: "Астана", en: "Astana" } },
  { id: "KZ-75", letterCode: "KZ-ALA", kind: "city", names: { kk: "Алматы", ru: "Алматы", en: "Almaty" } },
  { id: "KZ-79", letterCode: "KZ-SHY", kind: "city", names: { kk: "Шымкент", ru: "Шымкент", en: "Shymkent" } },
];

const byCode = new Map<string, RegionInfo>();
for (const region of KZ_REGIONS) {
  byCode.set(region.id, region);
  if (region.letterCode !== null) byCode.set(region.letterCode, region);
}

/** The table entry for a numeric or letter code (case-insensitive), or undefined for unknown codes. */
export function findRegion(code: string): RegionInfo | undefined {
  return byCode.get(code.trim().toUpperCase());
}

/** The canonical (numeric) id for a known code; any other id is returned unchanged. */
export function canonicalRegionId(code: string): string {
  return findRegion(code)?.id ?? code;
}
