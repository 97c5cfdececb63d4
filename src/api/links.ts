// Absolute links when server.publicUrl is configured (what a journalist pastes), root-relative otherwise.
export function linkBase(publicUrl: string | undefined): string {
  return publicUrl ? publicUrl.replace(/\/+$/, "") : "";
}

export function incidentLinks(publicUrl: string | undefined, id: string) {
  const base = linkBase(publicUrl);
  const enc = encodeURIComponent(id);
  return {
    self: `${base}/incidents/${enc}`,
    json: `${base}/api/v1/incidents/${enc}`,
    csv: `${base}/api/v1/incidents/${enc}/export.csv`,
  };
}
