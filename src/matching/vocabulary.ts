/**
 * Word lists the matcher weighs. A listed company's name is mostly generic words and a legal form
 * around one or two distinctive tokens; only the distinctive ones may carry a match.
 */

/**
 * Hanyu Pinyin words of Chinese company names → the canonical English word the lists write ("Huawei Jishu
 * Youxian Gongsi" is "Huawei Technology Co., Ltd."): ERP records of Chinese customers carry either, and so do
 * the lists. Only words that are generic or legal in English are here — a brand or a place is never translated.
 * Also the lexicon that segments a name written in Chinese characters (normalize.ts, `segmentHan`).
 */
export const PINYIN_WORDS: Readonly<Record<string, string>> = {
  keji: 'technology', jishu: 'technology', kexue: 'science', kexueyuan: 'academy', kechuang: 'innovation', chuangxin: 'innovation',
  dianzi: 'electronics', weidianzi: 'microelectronics', bandaoti: 'semiconductor', xinpian: 'semiconductor', jicheng: 'integrated', dianlu: 'circuit',
  xinxi: 'information', shuju: 'data', ruanjian: 'software', wangluo: 'network', tongxin: 'communications', dianxin: 'telecommunications',
  jisuanji: 'computer', suanli: 'computing', zhineng: 'intelligent', rengong: 'artificial', zidonghua: 'automation', yiqi: 'instrument',
  jituan: 'group', konggu: 'holding', guoji: 'international', maoyi: 'trading', shangmao: 'trading', jinchukou: 'importexport',
  gongye: 'industry', shiye: 'industry', chanye: 'industry', zhizao: 'manufacturing', shengchan: 'production', gongcheng: 'engineering',
  yanjiusuo: 'institute', yanjiuyuan: 'institute', daxue: 'university', xueyuan: 'academy', zhongxin: 'center', shiyanshi: 'laboratory',
  fazhan: 'development', kaifa: 'development', fuwu: 'services', xitong: 'systems', chanpin: 'products', cailiao: 'material',
  shebei: 'equipment', jixie: 'machinery', dianqi: 'electric', nengyuan: 'energy', dianli: 'power', guangdian: 'optics', guangxue: 'optics',
  wuliu: 'logistics', huoyun: 'freight', yunshu: 'transport', touzi: 'investment', guanli: 'management', zixun: 'consulting',
  hangkong: 'aviation', hangtian: 'aerospace', huagong: 'chemical', yiyao: 'pharmaceutical', shengwu: 'bio', qiche: 'automotive',
  fengongsi: 'branch', banshichu: 'representative', zhongguo: 'china',
};

/** Legal forms as Chinese names write them in Pinyin ("Youxian Gongsi", "Gufen Youxian Gongsi", "Youxian Zeren Gongsi"). */
export const PINYIN_LEGAL = ['youxian', 'gongsi', 'zeren', 'gufen'] as const;

/** Abbreviations and variants as ERP systems and the lists write them → one canonical token. No prototype: a name
 * word such as "constructor" or "toString" must look up nothing, not Object.prototype's members. */
export const CANONICAL: Readonly<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, PINYIN_WORDS, {
  tech: 'technology', techn: 'technology', technol: 'technology', technologies: 'technology', technological: 'technology', teknoloji: 'technology', tekh: 'technology',
  intl: 'international', internat: 'international', interntl: 'international', int: 'international',
  grp: 'group', gp: 'group', groupe: 'group', gruppa: 'group', grupp: 'group', grupo: 'group',
  comm: 'communications', comms: 'communications', commun: 'communications', communication: 'communications', telecom: 'telecommunications', telecommunication: 'telecommunications',
  elec: 'electronics', elecs: 'electronics', electronic: 'electronics', elektronik: 'electronics', electronica: 'electronics', elektronika: 'electronics',
  sci: 'science', sciences: 'science', scient: 'science',
  hi: 'high',
  ind: 'industry', inds: 'industry', indus: 'industry', industries: 'industry',
  mfg: 'manufacturing', mfr: 'manufacturing', manufacture: 'manufacturing',
  eng: 'engineering', engg: 'engineering', engr: 'engineering',
  svc: 'services', svcs: 'services', serv: 'services', service: 'services', servis: 'services',
  sys: 'systems', system: 'systems', syst: 'systems',
  hldg: 'holding', hldgs: 'holding', holdings: 'holding', hold: 'holding',
  mgmt: 'management', mgt: 'management',
  equip: 'equipment', eqpt: 'equipment', equipments: 'equipment',
  dev: 'development', devt: 'development',
  univ: 'university', uni: 'university',
  inst: 'institute', instit: 'institute',
  natl: 'national', nat: 'national',
  assn: 'association', assoc: 'association',
  bros: 'brothers',
  instr: 'instrument', instruments: 'instrument',
  trdg: 'trading', trade: 'trading', ticaret: 'trading',
  imp: 'import', exp: 'export', impex: 'importexport',
  dist: 'distribution', distr: 'distribution', distrib: 'distribution',
  logistic: 'logistics', log: 'logistics',
  soln: 'solutions', solns: 'solutions', solution: 'solutions',
  prod: 'products', product: 'products',
  ent: 'enterprise', enterprises: 'enterprise', entp: 'enterprise',
  info: 'information', inf: 'information',
  ctr: 'center', cntr: 'center', centre: 'center',
  lab: 'laboratory', labs: 'laboratory', laboratories: 'laboratory',
  res: 'research',
  semicon: 'semiconductor', semiconductors: 'semiconductor', semi: 'semiconductor',
  microelectronic: 'microelectronics',
  mach: 'machinery', machine: 'machinery', machines: 'machinery',
  materials: 'material', matl: 'material',
  aero: 'aeronautics', aeronautical: 'aeronautics',
  // Legal forms share a canonical spelling so "Co." and "Company" agree.
  co: 'company', cos: 'company', comp: 'company', cie: 'company',
  ltd: 'limited', ltda: 'limited', lmt: 'limited', ltdo: 'limited',
  corp: 'corporation', corpn: 'corporation', korporatsiya: 'corporation',
  inc: 'incorporated', incorp: 'incorporated',
  pvt: 'private', pte: 'private', prv: 'private',
  // "HK" is "HongKong": it meets "Hong Kong" as two words written as one do (a listed "(HK)" and a query's "(Hong Kong)").
  hk: 'hongkong',
});


/** Legal forms across jurisdictions (canonical tokens). Weighed low, never a match on their own. */
export const LEGAL_FORMS = new Set<string>([
  'company', 'limited', 'corporation', 'incorporated', 'private', 'llc', 'llp', 'lp', 'plc', 'pty', 'pllc',
  'sdn', 'bhd', 'berhad', 'jsc', 'ojsc', 'pjsc', 'cjsc', 'ao', 'oao', 'zao', 'pao', 'ooo', 'tov', 'pat', 'chp', 'nao', 'ip', 'fgup', 'fsue', 'gup', 'mup',
  'gmbh', 'mbh', 'ag', 'kg', 'ohg', 'ug', 'ev', 'se', 'sa', 'sas', 'sarl', 'sal', 'sau', 'sae', 'sl', 'slu', 'spa', 'srl', 'sro', 'spol', 'as', 'ab', 'oy', 'oyj', 'aps', 'asa', 'nv', 'bv', 'cv', 'rl', 'de',
  'zone', 'fze', 'fzco', 'fzc', 'fzllc', 'fz', 'dmcc', 'wll', 'est', 'establishment', 'kk', 'kabushiki', 'kaisha', 'yk', 'godo', 'gk',
  'joint', 'stock', 'liability', 'ltee', 'sirketi', 'anonim', 'as', 'tic', 'san', 've', 'pt', 'tbk', 'cv', 'jsc',
  'youxian', 'gongsi', 'zeren', 'gufen', 'obshchestvo', 'ogranichennoy', 'otvetstvennostyu', 'aktsionernoe', 'zakrytoe', 'otkrytoe', 'publichnoe', 'tovarystvo',
  'spzoo', 'zoo', 'sp', 'doo', 'dd', 'ad', 'eood', 'ood', 'kft', 'zrt', 'nyrt', 'bt', 'sc', 'scs',
]);

/** "Public/Open/Closed Joint Stock Company": these are legal only next to another legal form. */
export const LEGAL_QUALIFIERS = new Set<string>(['free', 'public', 'open', 'closed', 'private', 'limited', 'sole', 'proprietorship']);

export const STOP_WORDS = new Set<string>([
  'the', 'of', 'and', 'for', 'in', 'on', 'at', 'to', 'by', 'a', 'an', 'de', 'del', 'della', 'di', 'da', 'do', 'dos', 'das', 'du', 'des',
  'la', 'le', 'les', 'el', 'al', 'y', 'e', 'et', 'und', 'von', 'van', 'der', 'den', 'im', 'named', 'after', 'imeni', 'im',
]);

/** Words so common in company names that they must not carry a match on their own. */
export const GENERIC_WORDS = new Set<string>([
  'technology', 'trading', 'international', 'electronics', 'group', 'industry', 'industrial', 'development', 'services', 'systems',
  'holding', 'global', 'import', 'export', 'importexport', 'logistics', 'engineering', 'science', 'research', 'institute', 'university',
  'enterprise', 'manufacturing', 'equipment', 'information', 'network', 'networks', 'solutions', 'supply', 'material', 'products',
  'precision', 'machinery', 'instrument', 'general', 'national', 'new', 'trade', 'commercial', 'investment', 'shipping',
  'transport', 'energy', 'power', 'electric', 'semiconductor', 'microelectronics', 'digital', 'scientific', 'center', 'laboratory',
  'communications', 'telecommunications', 'software', 'computer', 'computing', 'data', 'cloud', 'smart', 'intelligent', 'intelligence',
  'ai', 'artificial', 'integrated', 'circuit', 'circuits', 'innovation', 'innovative', 'advanced', 'applied', 'bank', 'state', 'federal', 'academy', 'plant', 'factory',
  'works', 'design', 'bureau', 'office', 'agency', 'ministry', 'foundation', 'association', 'union', 'management', 'consulting',
  'partners', 'associates', 'capital', 'finance', 'financial', 'resources', 'marine', 'aviation', 'aeronautics', 'aerospace', 'defense',
  'defence', 'military', 'security', 'scientific', 'production', 'distribution', 'import', 'express', 'freight', 'cargo', 'line',
  'lines', 'world', 'worldwide', 'asia', 'pacific', 'east', 'west', 'north', 'south', 'middle', 'far', 'overseas', 'united', 'first',
  'star', 'sun', 'gold', 'golden', 'royal', 'best', 'top', 'prime', 'alpha', 'link', 'net', 'sky', 'ocean', 'sea', 'green', 'blue',
  'red', 'trust', 'universal', 'central', 'china', 'chinese', 'hi', 'high', 'optical', 'optics', 'photonics', 'automation', 'control',
  'device', 'devices', 'component', 'components', 'parts', 'tools', 'tooling', 'chemical', 'chemicals', 'metal', 'metals', 'steel',
  'oil', 'gas', 'petroleum', 'mining', 'construction', 'building', 'real', 'estate', 'property', 'properties', 'media', 'vision',
  'video', 'security', 'medical', 'health', 'pharmaceutical', 'bio', 'biotechnology', 'agricultural', 'food', 'foods', 'motor',
  'motors', 'auto', 'automotive', 'vehicle', 'vehicles', 'ship', 'shipbuilding', 'yard', 'port', 'airlines', 'air', 'airline',
  'scientific', 'branch', 'representative', 'office', 'subsidiary', 'affiliate', 'successor', 'sub', 'unit', 'thereof', 'any',
  'or', 'entity', 'subordinate', 'also', 'known', 'as', 'aka', 'fka', 'formerly', 'ltd',
]);

/** Common surnames and given names: shared only these, two people are not the same person. */
export const COMMON_NAMES = new Set<string>([
  'wang', 'li', 'zhang', 'liu', 'chen', 'yang', 'huang', 'zhao', 'wu', 'zhou', 'xu', 'sun', 'ma', 'zhu', 'hu', 'guo', 'he', 'lin',
  'gao', 'luo', 'zheng', 'liang', 'xie', 'song', 'tang', 'han', 'feng', 'deng', 'cao', 'peng', 'zeng', 'xiao', 'tian', 'dong', 'yuan',
  'pan', 'cai', 'jiang', 'yu', 'du', 'ye', 'cheng', 'wei', 'su', 'lu', 'ding', 'ren', 'shen', 'yao', 'cui', 'zhong', 'tan', 'fang',
  'kim', 'lee', 'park', 'choi', 'jung', 'kang', 'cho', 'yoon', 'jang', 'lim', 'shin', 'nguyen', 'tran', 'le', 'pham', 'hoang', 'wong',
  'chan', 'ng', 'ho', 'lam', 'cheung', 'leung', 'tan', 'lim', 'ong', 'goh', 'teo', 'koh', 'chua', 'smith', 'johnson', 'williams',
  'brown', 'jones', 'miller', 'davis', 'garcia', 'rodriguez', 'martinez', 'hernandez', 'lopez', 'gonzalez', 'wilson', 'anderson',
  'taylor', 'thomas', 'moore', 'jackson', 'martin', 'white', 'harris', 'clark', 'lewis', 'walker', 'young', 'allen', 'king', 'wright',
  'scott', 'green', 'baker', 'adams', 'nelson', 'hill', 'campbell', 'mitchell', 'roberts', 'carter', 'phillips', 'evans', 'turner',
  'ali', 'mohammad', 'mohammed', 'muhammad', 'mohamed', 'muhammed', 'ahmad', 'ahmed', 'hassan', 'hasan', 'hussain', 'hussein',
  'husain', 'khan', 'abdul', 'abd', 'abdel', 'abdullah', 'abdallah', 'mahmoud', 'mahmud', 'ibrahim', 'ismail', 'yusuf', 'omar',
  'umar', 'hamid', 'rahman', 'karim', 'said', 'saeed', 'salem', 'saleh', 'khalil', 'mustafa', 'reza', 'hosseini', 'hossein',
  'mohammadi', 'ahmadi', 'rezaei', 'moradi', 'ivanov', 'petrov', 'sidorov', 'smirnov', 'kuznetsov', 'popov', 'vasiliev', 'sokolov',
  'mikhailov', 'novikov', 'fedorov', 'morozov', 'volkov', 'alexander', 'aleksandr', 'sergei', 'sergey', 'andrei', 'andrey', 'dmitry',
  'vladimir', 'alexey', 'aleksey', 'igor', 'nikolai', 'kumar', 'singh', 'patel', 'sharma', 'shah', 'gupta', 'john', 'james', 'david',
  'michael', 'robert', 'william', 'richard', 'joseph', 'maria', 'jose', 'juan', 'carlos', 'luis', 'peter', 'paul', 'mark', 'daniel',
  'george', 'ben', 'bin', 'ibn', 'abu', 'um', 'umm', 'bint', 'ould',
]);

/** Cities, provinces and regions that prefix company names ("Hangzhou Hikvision …"); countries come from the country table. */
export const PLACE_WORDS = new Set<string>([
  'beijing', 'shanghai', 'shenzhen', 'guangzhou', 'hangzhou', 'tianjin', 'chongqing', 'wuhan', 'chengdu', 'nanjing', 'xian', 'suzhou',
  'dongguan', 'qingdao', 'xiamen', 'dalian', 'shenyang', 'harbin', 'changsha', 'zhengzhou', 'jinan', 'hefei', 'fuzhou', 'kunming',
  'nanning', 'wuxi', 'ningbo', 'foshan', 'zhuhai', 'changchun', 'taiyuan', 'shijiazhuang', 'lanzhou', 'guiyang', 'nanchang',
  'mianyang', 'changzhou', 'hainan', 'hebei', 'henan', 'hubei', 'hunan', 'guangdong', 'jiangsu', 'zhejiang', 'fujian', 'shandong',
  'shanxi', 'shaanxi', 'sichuan', 'yunnan', 'guizhou', 'liaoning', 'jilin', 'heilongjiang', 'anhui', 'jiangxi', 'gansu', 'qinghai',
  'xinjiang', 'tibet', 'ningxia', 'guangxi', 'inner', 'mongolia', 'hong', 'kong', 'hk', 'hongkong', 'macau', 'macao', 'taipei', 'hsinchu',
  'taichung', 'kaohsiung', 'singapore', 'kuala', 'lumpur', 'penang', 'johor', 'bangkok', 'jakarta', 'manila', 'hanoi', 'saigon',
  'dubai', 'sharjah', 'abu', 'dhabi', 'ajman', 'jebel', 'ali', 'istanbul', 'ankara', 'tehran', 'isfahan', 'moscow', 'moskva',
  'petersburg', 'sankt', 'st', 'novosibirsk', 'yekaterinburg', 'kazan', 'minsk', 'kyiv', 'kiev', 'karachi', 'lahore', 'islamabad',
  'delhi', 'mumbai', 'bangalore', 'seoul', 'tokyo', 'osaka', 'yerevan', 'tashkent', 'almaty', 'baku', 'tbilisi', 'damascus', 'beirut',
  'baghdad', 'pyongyang', 'caracas', 'havana', 'london', 'frankfurt', 'berlin', 'paris', 'amsterdam', 'zurich', 'geneva', 'vienna',
  'sofia', 'riga', 'tallinn', 'vilnius', 'helsinki', 'prague', 'warsaw', 'budapest', 'athens', 'larnaca', 'limassol', 'nicosia',
  'shenzhenshi', 'region', 'province', 'city', 'district', 'oblast', 'krai', 'republic',
  // Capitals and trading cities of the hubs and their neighbours, which prefix company names as the Chinese ones do.
  // Only whole place names that are nobody's given or family name ("Ho", "Wan", "Tong", "Abbas", "Bandar" stay out).
  'phnom', 'penh', 'vientiane', 'yangon', 'rangoon', 'naypyidaw', 'mandalay', 'colombo', 'dhaka', 'chittagong', 'kathmandu',
  'ulaanbaatar', 'bishkek', 'dushanbe', 'ashgabat', 'astana', 'nursultan', 'samarkand', 'muscat', 'doha', 'manama', 'riyadh', 'jeddah',
  'dammam', 'amman', 'cairo', 'tripoli', 'tunis', 'algiers', 'rabat', 'casablanca', 'khartoum', 'nairobi', 'lagos', 'abuja',
  'johannesburg', 'hochiminh', 'haiphong', 'danang', 'surabaya', 'bandung', 'batam', 'cebu', 'davao', 'chiangmai', 'phuket', 'pattaya',
  'cyberjaya', 'putrajaya', 'selangor', 'klang', 'labuan', 'kowloon', 'yokohama', 'nagoya', 'busan', 'incheon', 'chennai', 'hyderabad',
  'pune', 'kolkata', 'ahmedabad', 'noida', 'gurgaon', 'gurugram', 'vladivostok', 'khabarovsk', 'murmansk', 'omsk', 'tomsk', 'krasnoyarsk',
  'irkutsk', 'ufa', 'chelyabinsk', 'rostov', 'voronezh', 'nizhny', 'novgorod', 'kaliningrad', 'mashhad', 'tabriz', 'shiraz', 'karaj',
]);

/** Every spelling of a legal form the vocabulary knows: the canonical forms and their abbreviations. */
export const LEGAL_SPELLINGS: ReadonlySet<string> = new Set<string>([
  ...LEGAL_FORMS,
  ...Object.entries(CANONICAL)
    .filter(([, canon]) => LEGAL_FORMS.has(canon))
    .map(([spelling]) => spelling),
]);
