import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import { ZHENGZHOU_AREAS } from "../households/areas.ts";
import {
  type HouseholdRecord,
  type HouseholdStatus,
  type PenaltyKind,
  PROPRIETOR_GROUPS,
  type ProprietorGroup,
} from "./household-record.ts";
import { INDUSTRIES } from "./industries.ts";
import { USCC_CHARSET, withCheckCharacter } from "./uscc.ts";

export interface GenerateOptions {
  count: number;
  /** The same seed gives the same households, and a smaller count a prefix of them. */
  seed: number;
  /**
   * The year the data is as of (default 2025): registrations, suspensions and penalties up to
   * 30 June of it, figures and annual reports up to the year before.
   */
  asOfYear?: number;
}

const SURNAMES =
  "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN =
  "建国军伟芳娜敏静丽强磊洋艳勇杰涛明超秀兰霞平刚桂英华红玉春梅海燕鹏飞辉波宇浩然晨阳欣怡佳琪子涵志强金凤小龙文斌俊";
const BRAND_WORDS = [
  "惠民",
  "鑫源",
  "金鼎",
  "兴隆",
  "福满",
  "聚福",
  "百味",
  "顺达",
  "鸿运",
  "宏发",
  "好运来",
  "永盛",
  "同心",
  "红星",
  "老街",
  "中原",
  "嵩山",
  "黄河",
  "家和",
  "悦来",
  "四季",
  "益民",
  "天天",
  "诚信",
];
const GROUP_SHARE: Record<ProprietorGroup, number> = {
  VETERAN: 0.02,
  GRADUATE: 0.03,
  DISABLED: 0.008,
  RETURNING_MIGRANT: 0.025,
};
const PENALTY_WEIGHTS: [PenaltyKind, number][] = [
  ["WARNING", 0.35],
  ["FINE", 0.48],
  ["CONFISCATION", 0.08],
  ["LICENCE_ACTION", 0.04],
  ["BUSINESS_RESTRICTION", 0.04],
  ["DETENTION", 0.01],
];
/** Classes whose trade is seasonal (cold drinks, guest houses, fruit stalls). */
const SEASONAL_PRONE = new Set(["H6239", "H6130", "F5223", "F5123"]);

/** Proprietors kept for re-use: a person now and then runs a second household. */
const PROPRIETOR_POOL = 512;

interface Proprietor {
  idHash: string;
  name: string | undefined;
  groups: ProprietorGroup[];
  dishonestDebtor: boolean;
}

/**
 * Realistic Zhengzhou individual businesses as contract records, deterministic for a seed:
 * areas and industries in plausible shares, registrations over 25 years (more of them recent),
 * log-normal revenue and tax with some years missing, a few percent with list flags, penalties,
 * suspensions (seasonal ones too), dishonest debtors and relaxed groups, proprietors shared now
 * and then, valid USCCs (92 + area code + a GB 11714-style body + GB 32100 check character).
 * Every record passes the import's validation.
 */
export function* generateHouseholds(options: GenerateOptions): Generator<HouseholdRecord> {
  const asOfYear = options.asOfYear ?? 2025;
  const rng = xoroshiro128plus(options.seed);
  const random = new Random(rng);
  const asOf = dayOf(`${asOfYear}-06-30`);
  const firstYear = asOfYear - 25;
  const areaPick = random.weighted(ZHENGZHOU_AREAS.map((a) => [a, a.share] as const));
  const industryPick = random.weighted([
    ...INDUSTRIES.map((i) => [i, i.share] as const),
    [null, 0.02] as const,
  ]);
  // More registrations in recent years: individual businesses grew steadily over the period.
  const yearPick = random.weighted(
    Array.from({ length: 26 }, (_, k) => [firstYear + k, (1 + k * 0.12) * (k === 25 ? 0.5 : 1)]),
  );
  const penaltyPick = random.weighted(PENALTY_WEIGHTS);
  // A seed-dependent start makes the USCC bodies of different seeds differ.
  const usccOffset = random.int(0, 2 ** 30);
  const pool: Proprietor[] = [];

  for (let index = 0; index < options.count; index++) {
    const area = areaPick();
    const industry = industryPick();
    const registeredYear = yearPick();
    const yearStart = dayOf(`${registeredYear}-01-01`);
    const yearEnd = registeredYear === asOfYear ? asOf : dayOf(`${registeredYear}-12-31`);
    const registered = random.int(yearStart, yearEnd);
    const registeredOn = dateOf(registered);

    // Older households are more often closed; a closed one's data stops at a date before asOf.
    const age = asOfYear - registeredYear;
    let status: HouseholdStatus = "ACTIVE";
    if (random.chance(0.02 + 0.006 * age)) {
      const r = random.float();
      status = r < 0.6 ? "DEREGISTERED" : r < 0.95 ? "REVOKED" : "CANCELLED";
    }
    const end = status === "ACTIVE" ? asOf : random.int(registered, asOf);
    const lastDataYear = Math.min(asOfYear - 1, Number(dateOf(end).slice(0, 4)) - 1);

    const proprietor =
      pool.length > 0 && random.chance(0.03)
        ? (pool[random.int(0, pool.length - 1)] as Proprietor)
        : newProprietor(random);
    if (pool.length < PROPRIETOR_POOL) pool.push(proprietor);
    else pool[random.int(0, PROPRIETOR_POOL - 1)] = proprietor;

    const abnormalListed = random.chance(status === "REVOKED" ? 0.4 : 0.035);
    const annualReports: number[] = [];
    for (let y = registeredYear; y <= lastDataYear; y++) {
      // 经营异常 usually follows a missing annual report: the last one is absent then.
      if (abnormalListed && y === lastDataYear) continue;
      if (random.chance(0.9)) annualReports.push(y);
    }

    const yearly = yearlyFigures(random, registeredYear, registered, lastDataYear, asOfYear);
    const seasonal = random.chance(industry && SEASONAL_PRONE.has(industry.code) ? 0.25 : 0.02);
    const suspensions = seasonal
      ? seasonalSuspensions(random, registered, asOfYear)
      : random.chance(0.02)
        ? [oneSuspension(random, registered, end, asOf)]
        : [];
    const penalties = random.chance(0.05)
      ? somePenalties(random, penaltyPick, registered, end)
      : [];

    const shopWord = industry ? random.pick(industry.shopWords) : random.pick(["商行", "经营部"]);
    const name =
      proprietor.name && random.chance(0.08)
        ? proprietor.name
        : `${area.shortName}${brand(random, proprietor)}${shopWord}`;

    yield {
      uscc: usccFor(area.code, index, usccOffset),
      name,
      proprietor: {
        idHash: proprietor.idHash,
        ...(proprietor.name !== undefined ? { name: proprietor.name } : {}),
        groups: proprietor.groups,
        dishonestDebtor: proprietor.dishonestDebtor,
      },
      countyCode: area.code,
      ...(industry ? { industryCode: industry.code } : {}),
      registeredOn,
      status,
      annualReports,
      abnormalListed,
      seriousViolationListed: random.chance(0.004),
      taxAbnormal: random.chance(0.015),
      seasonal,
      suspensions,
      yearly,
      penalties,
    };
  }
}

class Random {
  constructor(private readonly rng: RandomGenerator) {}
  float(): number {
    return uniformFloat64(this.rng);
  }
  int(from: number, to: number): number {
    return uniformInt(this.rng, from, to);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }
  /** Standard normal (Box-Muller). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.float())) * Math.cos(2 * Math.PI * this.float());
  }
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
  hex(length: number): string {
    let out = "";
    while (out.length < length) out += (this.rng.next() >>> 0).toString(16).padStart(8, "0");
    return out.slice(0, length);
  }
  /** A sampler over weighted items (weights need not sum to 1). */
  weighted<T>(items: readonly (readonly [T, number])[]): () => T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let running = 0;
    const cumulative = items.map(([, w]) => (running += w / total));
    return () => {
      const r = this.float();
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (r < (cumulative[mid] as number)) hi = mid;
        else lo = mid + 1;
      }
      return (items[lo] as readonly [T, number])[0];
    };
  }
}

function newProprietor(random: Random): Proprietor {
  const groups = PROPRIETOR_GROUPS.filter((g) => random.chance(GROUP_SHARE[g]));
  const givenLength = random.chance(0.7) ? 2 : 1;
  let given = "";
  for (let i = 0; i < givenLength; i++) given += random.pick([...GIVEN]);
  return {
    // A pseudonym as departments exchange it: never an ID number.
    idHash: `sha256:${random.hex(16)}`,
    name: random.chance(0.85) ? `${random.pick([...SURNAMES])}${given}` : undefined,
    groups,
    dishonestDebtor: random.chance(0.01),
  };
}

/** 字号: 老王, 小李, 张记, 刘家, or a word of good omen. */
function brand(random: Random, proprietor: Proprietor): string {
  const surname = proprietor.name?.[0] ?? random.pick([...SURNAMES]);
  const r = random.float();
  if (r < 0.2) return `老${surname}`;
  if (r < 0.3) return `小${surname}`;
  if (r < 0.42) return `${surname}记`;
  if (r < 0.5) return `${surname}家`;
  return random.pick(BRAND_WORDS);
}

/**
 * Revenue is log-normal across households (median about 180,000 yuan) and varies year to year;
 * tax is zero for many small ones (under the VAT threshold) and a small rate otherwise.
 * The exchange carries the last five years at most, and a year is missing now and then.
 */
function yearlyFigures(
  random: Random,
  registeredYear: number,
  registered: number,
  lastDataYear: number,
  asOfYear: number,
): HouseholdRecord["yearly"] {
  const scale = random.logNormal(180_000, 1.0);
  const growth = random.normal() * 0.08;
  const employees = scale > 600_000 ? random.int(1, 9) : random.chance(0.35) ? random.int(1, 3) : 0;
  const taxed = scale > 1_200_000 || random.chance(0.55);
  const rate = 0.004 + random.float() * 0.02;
  const yearly: HouseholdRecord["yearly"] = [];
  for (let y = Math.max(registeredYear, asOfYear - 5); y <= lastDataYear; y++) {
    if (!random.chance(0.85)) continue;
    // The year of registration counts only the months after it.
    const months = y === registeredYear ? 12 - Number(dateOf(registered).slice(5, 7)) + 1 : 12;
    const revenue = scale * (1 + growth) ** (y - registeredYear) * Math.exp(random.normal() * 0.15);
    const yearRevenue = Math.round((revenue * months) / 12);
    const tax = taxed ? Math.round(yearRevenue * rate * 100) / 100 : 0;
    const insured = Math.max(0, employees + (employees > 0 ? random.int(-1, 1) : 0));
    yearly.push({
      year: y,
      taxPaid: random.chance(0.03) ? null : tax,
      insuredEmployees: random.chance(0.04) ? null : insured,
      revenue: random.chance(0.04) ? null : yearRevenue,
    });
  }
  return yearly;
}

/** 季节性经营: a winter break filed each year for the last one to three years. */
function seasonalSuspensions(
  random: Random,
  registered: number,
  asOfYear: number,
): HouseholdRecord["suspensions"] {
  if (!random.chance(0.75)) return [];
  const suspensions: HouseholdRecord["suspensions"] = [];
  for (let y = asOfYear - random.int(1, 3); y < asOfYear; y++) {
    const from = `${y}-12-01`;
    if (dayOf(from) < registered) continue;
    suspensions.push({ from, to: `${y + 1}-02-${isLeap(y + 1) ? 29 : 28}` });
  }
  return suspensions;
}

/** One 歇业 filing: open (no end yet) if it began within the legal 3 years, else closed. */
function oneSuspension(
  random: Random,
  registered: number,
  end: number,
  asOf: number,
): HouseholdRecord["suspensions"][number] {
  const from = random.int(registered, end);
  if (end === asOf && asOf - from < 3 * 365 && random.chance(0.3)) {
    return { from: dateOf(from), to: null };
  }
  return { from: dateOf(from), to: dateOf(from + random.int(30, 3 * 365)) };
}

function somePenalties(
  random: Random,
  pickKind: () => PenaltyKind,
  registered: number,
  end: number,
): HouseholdRecord["penalties"] {
  const r = random.float();
  const count = r < 0.7 ? 1 : r < 0.92 ? 2 : 3;
  const penalties: HouseholdRecord["penalties"] = [];
  for (let i = 0; i < count; i++) {
    const decided = random.int(registered, end);
    const kind = pickKind();
    // 信用修复 applies to penalties of a fine or above, some months after the decision.
    const repaired = decided + random.int(90, 500);
    penalties.push({
      decidedOn: dateOf(decided),
      kind,
      repairedOn:
        kind !== "WARNING" && repaired <= end && random.chance(0.4) ? dateOf(repaired) : null,
    });
  }
  return penalties.sort(
    (a, b) =>
      (a.decidedOn < b.decidedOn ? -1 : a.decidedOn > b.decidedOn ? 1 : 0) ||
      (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0),
  );
}

/**
 * Positions 9-17: 8 characters, then a GB 11714-style check digit. The 8 characters are the index
 * times a large step modulo 31^8 (the step is coprime with 31, so distinct indexes give distinct
 * bodies: no two generated households share a USCC, and neighbours do not look alike).
 */
const BODY_SPACE = 31n ** 8n;
const BODY_STEP = 527_115_301_139n; // about 0.618 × 31^8, not a multiple of 31
const GB11714_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

function usccFor(countyCode: string, index: number, offset: number): string {
  let n = Number((BigInt(index) * BODY_STEP + BigInt(offset)) % BODY_SPACE);
  let body = "";
  for (let i = 0; i < 8; i++) {
    body = USCC_CHARSET[n % 31] + body;
    n = Math.floor(n / 31);
  }
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    sum += Number.parseInt(body[i] as string, 36) * (GB11714_WEIGHTS[i] as number);
  }
  const c9 = 11 - (sum % 11);
  const first17 = `92${countyCode}${body}${c9 === 10 ? "X" : c9 === 11 ? "0" : String(c9)}`;
  return withCheckCharacter(first17);
}

const DAY_MS = 86_400_000;

function dayOf(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
