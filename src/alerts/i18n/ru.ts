// Русский текст оповещений.
import { joinDuration, type Phrases } from "./phrases.js";

export const ru: Phrases = {
  kind: {
    full_shutdown: "полное отключение интернета",
    whitelist_only: "доступ только по белому списку",
    service_blocking: "блокировка сервисов",
    throttling: "замедление",
    dns_interference: "вмешательство в DNS",
    dark: "регион не на связи",
  },
  explain: {
    full_shutdown: "В затронутых сетях не работает ничего, включая сервисы из белого списка.",
    whitelist_only: "Работают только одобренные (в основном отечественные) сервисы, всё остальное недоступно.",
    service_blocking:
      "Заблокирована категория сервисов (мессенджеры, соцсети, независимые СМИ), остальное работает.",
    throttling: "Сервисы доступны, но работают намного медленнее, чем обычно в этом регионе.",
    dns_interference:
      "DNS-резолверы региона отвечают не так, как доверенные резолверы (NXDOMAIN, поддельные адреса или адрес страницы блокировки).",
    dark: "Ни один зонд в регионе не выходит на связь, хотя зонды в других регионах продолжают присылать данные.",
  },
  headline: {
    opened: (kind, region) => `Новый инцидент — ${region}: ${kind}`,
    kindChanged: (from, to, region) => `Инцидент изменился — ${region}: ${from} → ${to}`,
    revised: (kind, region) => `Инцидент уточнён — ${region}: ${kind}`,
    reminder: (kind, region, duration) => `Продолжается уже ${duration} — ${region}: ${kind}`,
    closed: (kind, region) => `Восстановлено — ${region}: инцидент «${kind}» завершён`,
  },
  label: {
    region: "Регион",
    network: "Сеть",
    allNetworks: "все сети региона",
    started: "Начало",
    lastGood: "Последнее нормальное измерение",
    ended: "Окончание",
    duration: "Длительность",
    confidence: "Достоверность",
    targets: "Цели",
    summary: "Сводка",
    previousKind: "Было",
    revised: "Уточнено",
    details: "Подробнее",
    unknown: "неизвестно",
  },
  confidence: {
    confirmed: "подтверждено (совпадают данные двух и более зондов или сетей)",
    suspected: "предположительно (данные одного зонда или одной сети)",
  },
  duration: (d, h, m) => joinDuration(d, h, m, { d: "сут", h: "ч", min: "мин" }),
};
