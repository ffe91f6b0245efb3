import { BadInputError } from "../errors.ts";

/**
 * The county-level areas (区县) of Zhengzhou that register individual businesses.
 *
 * Codes are GB/T 2260 for the six districts, one county and five county-level cities. The three
 * functional zones have no GB/T 2260 code of their own; they carry the codes of the statistical
 * division code list (统计用区划代码) that departments use for them: 410171 经开区, 410172 高新区,
 * 410173 航空港区. 郑东新区 has none and registers under 金水区 and 管城回族区.
 *
 * `share` is the area's approximate share of the city's individual businesses, used by the data
 * generator; it follows population and commerce (金水区 the largest, 上街区 the smallest).
 */
export interface Area {
  code: string;
  name: string;
  /** Short form used in shop names (字号 carry the area's name, e.g. 金水区老王烩面馆). */
  shortName: string;
  kind: "DISTRICT" | "COUNTY" | "CITY" | "ZONE";
  share: number;
}

export const ZHENGZHOU_AREAS: readonly Area[] = [
  { code: "410102", name: "中原区", shortName: "中原区", kind: "DISTRICT", share: 0.1 },
  { code: "410103", name: "二七区", shortName: "二七区", kind: "DISTRICT", share: 0.1 },
  { code: "410104", name: "管城回族区", shortName: "管城回族区", kind: "DISTRICT", share: 0.08 },
  { code: "410105", name: "金水区", shortName: "金水区", kind: "DISTRICT", share: 0.175 },
  { code: "410106", name: "上街区", shortName: "上街区", kind: "DISTRICT", share: 0.015 },
  { code: "410108", name: "惠济区", shortName: "惠济区", kind: "DISTRICT", share: 0.05 },
  { code: "410122", name: "中牟县", shortName: "中牟县", kind: "COUNTY", share: 0.07 },
  {
    code: "410171",
    name: "郑州经济技术开发区",
    shortName: "经开区",
    kind: "ZONE",
    share: 0.04,
  },
  {
    code: "410172",
    name: "郑州高新技术产业开发区",
    shortName: "高新区",
    kind: "ZONE",
    share: 0.04,
  },
  {
    code: "410173",
    name: "郑州航空港经济综合实验区",
    shortName: "航空港区",
    kind: "ZONE",
    share: 0.06,
  },
  { code: "410181", name: "巩义市", shortName: "巩义市", kind: "CITY", share: 0.06 },
  { code: "410182", name: "荥阳市", shortName: "荥阳市", kind: "CITY", share: 0.05 },
  { code: "410183", name: "新密市", shortName: "新密市", kind: "CITY", share: 0.05 },
  { code: "410184", name: "新郑市", shortName: "新郑市", kind: "CITY", share: 0.07 },
  { code: "410185", name: "登封市", shortName: "登封市", kind: "CITY", share: 0.04 },
];

const BY_CODE = new Map(ZHENGZHOU_AREAS.map((area) => [area.code, area]));

/** The area with this code, or undefined when it is not a county-level area of Zhengzhou. */
export function areaByCode(code: string): Area | undefined {
  return BY_CODE.get(code);
}

/**
 * Refuses a code that is not a county-level area of Zhengzhou, naming the argument and listing the
 * areas; `otherwise` says what else the caller accepts.
 */
export function requireCountyCode(
  countyCode: string,
  argument = "countyCode",
  otherwise?: string,
): void {
  if (areaByCode(countyCode)) return;
  const areas = ZHENGZHOU_AREAS.map((a) => `${a.code} ${a.name}`).join(", ");
  throw new BadInputError(
    `${argument} "${countyCode}" is not a county-level area of Zhengzhou (GB/T 2260): one of ${areas}${otherwise ? `; ${otherwise}` : ""}`,
    argument,
  );
}
