/**
 * The 名特优新 categories and the seed's reference conditions for each (三(二) 主要参考条件), the
 * extension conditions A–D (三(二)2 有效期和评估确认) and the proprietor groups for which the
 * typing requirement is relaxed (三(二)1). Reference data only: no database, no GraphQL.
 */

export const CATEGORY_KINDS = ["FAMOUS", "DISTINCTIVE", "QUALITY", "EMERGING"] as const;
export type CategoryKind = (typeof CATEGORY_KINDS)[number];

export const CATEGORY_LABELS: Readonly<Record<CategoryKind, string>> = {
  FAMOUS: "知名",
  DISTINCTIVE: "特色",
  QUALITY: "优质",
  EMERGING: "新兴",
};

export interface CategoryConditionInfo {
  /** `FAMOUS_1` … : the category and the seed's ordinal (一是 = 1). */
  code: string;
  category: CategoryKind;
  number: number;
  label: string;
}

// 三(二) 主要参考条件, in the seed's order and words (一是…四是 / 六是).
const CONDITION_TEXT: Readonly<Record<CategoryKind, readonly string[]>> = {
  // “名”即“知名”个体工商户 主要参考条件 一…四
  FAMOUS: [
    "在县级及以上行政区域或相关网络平台有较高市场占有率或知名度",
    "个体工商户或其经营者拥有辨识度、显著性、标志性的经营字号，如拥有自主品牌、商标、专利权",
    "在“小个专”党建方面获得过县级以上（含）荣誉或者获评“党员示范店”",
    "其他经属地镇街、社区，或行业协会、平台推荐，并经依法审核通过的“知名”类",
  ],
  // “特”即“特色”个体工商户 主要参考条件 一…四
  DISTINCTIVE: [
    "从事本区县（市）范围内特色产业、农业品牌、土特产销售、手工艺制作等地方特色产品和特色服务，经营理念或经营方式独特，具有代表性",
    "个体工商户或其经营者是县级以上地理标志授权使用人，且从事的经营项目与授权的地理标志相关",
    "属于本地传统手工艺、祖传手艺等有一定知名度",
    "持有或获准使用绿色食品、有机食品等证书，或其他经行业、产业主管部门或当地特色行业、产业协会推荐，并经依法审核通过的“特色”类",
  ],
  // “优”即“优质”个体工商户 主要参考条件 一…六
  QUALITY: [
    "取得相关管理体系认证，或产品生产执行国际、国内、行业标准，或产品通过发达国家和地区产品认证（国际标准协会行业认证）",
    "个体工商户经营者曾获二级及以上职业资格证书，或市级及以上技能荣誉，或入选市级及以上技能人才培养项目",
    "从事行业列入非物质文化遗产名录，或个体工商户经营者为县级及以上非物质文化遗产传承人",
    "拥有依法认定的“老字号”或百年老店",
    "个体工商户经营者拥有中级及以上专业技术职称，并从事关联行业",
    "其他经民宗、文化旅游部门基于民族宗教、文化品牌等领域的职能和优势推荐，并经依法审核通过的“优质”类",
  ],
  // “新”即“新兴”个体工商户 主要参考条件 一…四
  EMERGING: [
    "依托互联网从事经营活动，如网络创作、自媒体、直播带货、远程服务等业态",
    "从事信息技术、物联网、人工智能、高端装备制造、新材料、生物、新能源汽车、新能源、节能环保、数字创意等十大战略性新兴产业",
    "个体工商户或其经营者拥有与新兴行业相关的自主知识产权，或拥有用于高技术研发的专业设备",
    "其他由工信、科技、市场监管等部门依托在制造业、科技创新、食品药品等领域的职能优势推荐，并经依法审核通过的“新兴”类",
  ],
};

const ORDINALS = ["一", "二", "三", "四", "五", "六"];

/** Every reference condition, category by category, in the seed's order. */
export const CATEGORY_CONDITIONS: readonly CategoryConditionInfo[] = CATEGORY_KINDS.flatMap(
  (category) =>
    CONDITION_TEXT[category].map((text, i) => ({
      code: `${category}_${i + 1}`,
      category,
      number: i + 1,
      label: `${CATEGORY_LABELS[category]}${ORDINALS[i]}：${text}`,
    })),
);

const CONDITIONS_BY_CODE = new Map(CATEGORY_CONDITIONS.map((c) => [c.code, c]));

export function conditionInfo(code: string): CategoryConditionInfo | undefined {
  return CONDITIONS_BY_CODE.get(code);
}

export function isCategoryKind(value: string): value is CategoryKind {
  return (CATEGORY_KINDS as readonly string[]).includes(value);
}

/** 三(二)2 有效期和评估确认: 符合以下情形之一的，有效期延长3年. */
export const EXTENSION_CONDITIONS = ["A", "B", "C", "D"] as const;
export type ExtensionCondition = (typeof EXTENSION_CONDITIONS)[number];

export const EXTENSION_CONDITION_LABELS: Readonly<Record<ExtensionCondition, string>> = {
  A: "销售额或者营业收入、缴税、吸纳就业等指标3年内有明显增长",
  B: "3年内获得过县级以上人民政府表彰奖励",
  C: "由认定时的“成长型”提升为“发展型”，或者由“生存型”提升为“成长型”",
  D: "推荐认定的个体工商户，经推荐部门同意",
};

/** 三(二)1: 对退役军人、高校毕业生、残疾人、返乡创业农民工等经营的个体工商户，可以适当放宽分类来源. */
export const RELAXED_PROPRIETOR_GROUPS = [
  "VETERAN",
  "GRADUATE",
  "DISABLED",
  "RETURNING_MIGRANT",
] as const;

export const PROPRIETOR_GROUP_LABELS: Readonly<Record<string, string>> = {
  VETERAN: "退役军人",
  GRADUATE: "高校毕业生",
  DISABLED: "残疾人",
  RETURNING_MIGRANT: "返乡创业农民工",
};

export const TYPE_LABELS: Readonly<Record<string, string>> = {
  SURVIVAL: "生存型",
  GROWTH: "成长型",
  DEVELOPMENT: "发展型",
  NOT_CLASSIFIABLE: "不符合分型条件",
};
