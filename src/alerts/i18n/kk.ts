// Хабарламалардың қазақша мәтіні.
import { joinDuration, type Phrases } from "./phrases.js";

export const kk: Phrases = {
  kind: {
    full_shutdown: "интернеттің толық өшірілуі",
    whitelist_only: "тек ақ тізім бойынша қолжетімділік",
    service_blocking: "сервистерді бұғаттау",
    throttling: "жылдамдықты шектеу",
    dns_interference: "DNS жұмысына араласу",
    dark: "өңір байланыстан тыс",
  },
  explain: {
    full_shutdown: "Зардап шеккен желілерде ештеңе істемейді, ақ тізімдегі сервистер де қолжетімсіз.",
    whitelist_only: "Тек рұқсат етілген (негізінен отандық) сервистер ғана істейді, қалғанының бәрі қолжетімсіз.",
    service_blocking:
      "Сервистердің бір санаты (мессенджерлер, әлеуметтік желілер, тәуелсіз БАҚ) бұғатталған, қалғаны істеп тұр.",
    throttling: "Сервистер қолжетімді, бірақ осы өңірдегі әдеттегі жылдамдықтан әлдеқайда баяу істейді.",
    dns_interference:
      "Өңірдегі DNS-резолверлер сенімді резолверлерден өзгеше жауап береді (NXDOMAIN, жалған мекенжайлар немесе бұғаттау бетінің мекенжайы).",
    dark: "Өңірдегі бірде-бір зонд дерек жібермейді, ал басқа өңірлердегі зондтар жұмысын жалғастыруда.",
  },
  headline: {
    opened: (kind, region) => `Жаңа оқиға — ${region}: ${kind}`,
    kindChanged: (from, to, region) => `Оқиға өзгерді — ${region}: ${from} → ${to}`,
    revised: (kind, region) => `Оқиға нақтыланды — ${region}: ${kind}`,
    reminder: (kind, region, duration) => `${duration} бойы жалғасуда — ${region}: ${kind}`,
    closed: (kind, region) => `Қалпына келді — ${region}: «${kind}» оқиғасы аяқталды`,
  },
  label: {
    region: "Өңір",
    network: "Желі",
    allNetworks: "өңірдің барлық желілері",
    started: "Басталуы",
    lastGood: "Соңғы қалыпты өлшем",
    ended: "Аяқталуы",
    duration: "Ұзақтығы",
    confidence: "Сенімділік",
    targets: "Нысандар",
    summary: "Қысқаша",
    previousKind: "Бұрын",
    revised: "Нақтыланды",
    details: "Толығырақ",
    unknown: "белгісіз",
  },
  confidence: {
    confirmed: "расталған (екі не одан көп зондтың немесе желінің деректері сәйкес)",
    suspected: "болжамды (бір зондтың немесе бір желінің деректері)",
  },
  duration: (d, h, m) => joinDuration(d, h, m, { d: "тәул", h: "сағ", min: "мин" }),
};
