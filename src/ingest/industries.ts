/**
 * GB/T 4754-2017 (国民经济行业分类) classes that individual businesses commonly register under,
 * with their labels, the share of households the data generator gives each, and the shop words
 * (字号 endings) it uses for names. Retail (F52), catering (H62) and residential and repair
 * services (O80, O81) dominate, as they do among Zhengzhou's 个体工商户.
 */
export interface Industry {
  code: string;
  label: string;
  /** Relative weight among the classes listed (the generator normalises; some have no code). */
  share: number;
  /** What the shop calls itself at the end of its name: 烩面馆, 便利店, 理发店… */
  shopWords: readonly string[];
}

export const INDUSTRIES: readonly Industry[] = [
  // F52 零售业
  { code: "F5211", label: "百货零售", share: 0.02, shopWords: ["百货店", "百货商店"] },
  { code: "F5212", label: "超级市场零售", share: 0.05, shopWords: ["超市", "生活超市"] },
  { code: "F5213", label: "便利店零售", share: 0.07, shopWords: ["便利店", "便民店"] },
  { code: "F5221", label: "粮油零售", share: 0.02, shopWords: ["粮油店", "粮油门市部"] },
  { code: "F5222", label: "糕点、面包零售", share: 0.015, shopWords: ["蛋糕店", "面包坊"] },
  {
    code: "F5223",
    label: "果品、蔬菜零售",
    share: 0.05,
    shopWords: ["水果店", "果蔬店", "蔬菜店"],
  },
  {
    code: "F5224",
    label: "肉、禽、蛋、奶及水产品零售",
    share: 0.035,
    shopWords: ["鲜肉店", "水产店", "禽蛋门市部"],
  },
  { code: "F5226", label: "酒、饮料及茶叶零售", share: 0.025, shopWords: ["烟酒店", "茶叶店"] },
  { code: "F5232", label: "服装零售", share: 0.05, shopWords: ["服装店", "服饰店", "童装店"] },
  { code: "F5233", label: "鞋帽零售", share: 0.015, shopWords: ["鞋店", "鞋帽店"] },
  { code: "F5234", label: "化妆品及卫生用品零售", share: 0.015, shopWords: ["化妆品店"] },
  { code: "F5235", label: "厨具卫具及日用杂品零售", share: 0.015, shopWords: ["日杂店"] },
  { code: "F5241", label: "文具用品零售", share: 0.01, shopWords: ["文具店"] },
  { code: "F5274", label: "通信设备零售", share: 0.015, shopWords: ["手机店", "通讯店"] },
  { code: "F5281", label: "五金零售", share: 0.025, shopWords: ["五金店", "五金建材店"] },
  { code: "F5292", label: "互联网零售", share: 0.03, shopWords: ["网店", "电子商务商行"] },
  { code: "F5299", label: "其他未列明零售业", share: 0.02, shopWords: ["商行", "商店"] },
  // F51 批发业
  {
    code: "F5123",
    label: "果品、蔬菜批发",
    share: 0.02,
    shopWords: ["果蔬批发部", "蔬菜购销部"],
  },
  // H62 餐饮业, H61 住宿业
  {
    code: "H6210",
    label: "正餐服务",
    share: 0.07,
    shopWords: ["烩面馆", "饭店", "家常菜馆", "酒家", "面馆"],
  },
  { code: "H6220", label: "快餐服务", share: 0.04, shopWords: ["快餐店", "盖饭店"] },
  { code: "H6231", label: "茶馆服务", share: 0.008, shopWords: ["茶馆", "茶社"] },
  { code: "H6232", label: "咖啡馆服务", share: 0.005, shopWords: ["咖啡馆"] },
  { code: "H6239", label: "其他饮料及冷饮服务", share: 0.015, shopWords: ["奶茶店", "冷饮店"] },
  {
    code: "H6291",
    label: "小吃服务",
    share: 0.06,
    shopWords: ["小吃店", "胡辣汤馆", "包子铺", "羊肉汤馆", "烧饼店"],
  },
  { code: "H6130", label: "民宿服务", share: 0.008, shopWords: ["民宿", "农家院"] },
  // O80 居民服务业, O81 修理业, O82 其他服务业
  { code: "O8010", label: "家庭服务", share: 0.015, shopWords: ["家政服务部"] },
  { code: "O8030", label: "洗染服务", share: 0.01, shopWords: ["干洗店", "洗衣店"] },
  {
    code: "O8040",
    label: "理发及美容服务",
    share: 0.06,
    shopWords: ["理发店", "美发店", "美容院", "美甲店"],
  },
  { code: "O8052", label: "足浴服务", share: 0.01, shopWords: ["足浴店"] },
  { code: "O8060", label: "摄影扩印服务", share: 0.008, shopWords: ["照相馆", "影楼"] },
  {
    code: "O8111",
    label: "汽车修理与维护",
    share: 0.025,
    shopWords: ["汽车修理部", "汽修店", "洗车行"],
  },
  { code: "O8122", label: "通讯设备修理", share: 0.012, shopWords: ["手机维修部"] },
  { code: "O8132", label: "日用电器修理", share: 0.01, shopWords: ["家电维修部"] },
  { code: "O8223", label: "宠物美容服务", share: 0.006, shopWords: ["宠物店"] },
  // E50 建筑装饰、装修, C14 食品制造, P83 教育
  { code: "E5012", label: "住宅装饰和装修", share: 0.03, shopWords: ["装饰工程部", "装饰部"] },
  { code: "C1411", label: "糕点、面包制造", share: 0.01, shopWords: ["糕点坊", "食品加工坊"] },
  { code: "P8393", label: "文化艺术培训", share: 0.008, shopWords: ["书画培训部", "艺术培训部"] },
];

/** GB/T 4754-2017 sections (门类), for codes given only to the section or to another class. */
export const INDUSTRY_SECTION_LABELS: Readonly<Record<string, string>> = {
  A: "农、林、牧、渔业",
  B: "采矿业",
  C: "制造业",
  D: "电力、热力、燃气及水生产和供应业",
  E: "建筑业",
  F: "批发和零售业",
  G: "交通运输、仓储和邮政业",
  H: "住宿和餐饮业",
  I: "信息传输、软件和信息技术服务业",
  J: "金融业",
  K: "房地产业",
  L: "租赁和商务服务业",
  M: "科学研究和技术服务业",
  N: "水利、环境和公共设施管理业",
  O: "居民服务、修理和其他服务业",
  P: "教育",
  Q: "卫生和社会工作",
  R: "文化、体育和娱乐业",
  S: "公共管理、社会保障和社会组织",
  T: "国际组织",
};

const BY_CODE = new Map(INDUSTRIES.map((industry) => [industry.code, industry]));

/** The label of a class listed here, else of its section (门类), else null. */
export function industryLabel(code: string): string | null {
  return BY_CODE.get(code)?.label ?? INDUSTRY_SECTION_LABELS[code.slice(0, 1)] ?? null;
}
