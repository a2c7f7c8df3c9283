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

/**
 * Legal forms that belong to one jurisdiction (or one family of them), by canonical token: a "GmbH" is German-speaking,
 * an "OOO" Russian-speaking, an "Sdn Bhd" Malaysian. Forms used the world over ("LLC", "Ltd", "Inc", "SA", "Private")
 * are not here. Beside a short or ordinary word in common ("Partner GmbH" / "OOO PARTNER"), legal forms of two
 * jurisdictions name two companies: a lead, not a match.
 */
export const LEGAL_JURISDICTIONS: Readonly<Record<string, readonly string[]>> = Object.assign(Object.create(null) as Record<string, readonly string[]>, {
  ooo: ['ru'], zao: ['ru'], oao: ['ru'], pao: ['ru'], nao: ['ru'], ao: ['ru'], fgup: ['ru'], gup: ['ru'], mup: ['ru'], fsue: ['ru'],
  obshchestvo: ['ru'], ogranichennoy: ['ru'], otvetstvennostyu: ['ru'], aktsionernoe: ['ru'], zakrytoe: ['ru'], otkrytoe: ['ru'], publichnoe: ['ru'],
  tov: ['ua'], pat: ['ua'], chp: ['ua'], tovarystvo: ['ua'],
  gmbh: ['de'], mbh: ['de'], ag: ['de'], kg: ['de'], ohg: ['de'], ug: ['de'],
  sarl: ['fr'], sas: ['fr'],
  sdn: ['my'], bhd: ['my'], berhad: ['my'],
  fze: ['ae'], fzco: ['ae'], fzc: ['ae'], fzllc: ['ae'], fz: ['ae'], dmcc: ['ae'],
  kk: ['jp'], kabushiki: ['jp'], kaisha: ['jp'], yk: ['jp'], godo: ['jp'], gk: ['jp'],
  sirketi: ['tr'], anonim: ['tr'],
  youxian: ['cn'], gongsi: ['cn'], zeren: ['cn'], gufen: ['cn'],
  pt: ['id'], tbk: ['id'],
  spzoo: ['pl'], zoo: ['pl'],
  ab: ['se'], oy: ['fi'], oyj: ['fi'], aps: ['dk'], asa: ['no'],
  bv: ['nl'], nv: ['nl'],
  spa: ['it'], srl: ['it', 'ro'],
  sl: ['es'], slu: ['es'],
  sro: ['cz'], spol: ['cz'],
  eood: ['bg'], ood: ['bg'],
  kft: ['hu'], zrt: ['hu'], nyrt: ['hu'],
  doo: ['rs'],
});

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

/**
 * Ordinary words of the languages company names are written in — English, Russian (romanised), German, French — that
 * head many businesses' names: "Partner", "Orbita", "Vector", "Zvezda", "Horizon". The list may carry one in only a few
 * entries, so by its rarity there it weighs as a distinctive name; in the world it names no one in particular. One such
 * word in common, however long, is weighed as a short word is (score.ts `SHORT_WORD`): beside a word of the query's own
 * — an industry word ("Partner **Logistics** GmbH" / "OOO PARTNER") or another name — a lead for review, never a match.
 * The listed name written out in full still matches. Industry words themselves are GENERIC_WORDS.
 */
export const COMMON_WORDS = new Set<string>([
  // English
  'partner', 'partnership', 'alliance', 'element', 'vector', 'signal', 'progress', 'standard', 'quality', 'premium', 'premier', 'future',
  'victory', 'fortune', 'horizon', 'harmony', 'pioneer', 'summit', 'spectrum', 'impulse', 'orbit', 'crystal', 'resource', 'guarantee',
  'regional', 'profit', 'expert', 'master', 'forward', 'format', 'formula', 'factor', 'contact', 'credit', 'invest', 'investor', 'market',
  'sphere', 'strategy', 'legion', 'legend', 'titan', 'titanium', 'atlant', 'galaxy', 'planet', 'cosmos', 'meridian', 'zenith', 'arctic',
  'oriental', 'orient', 'eastern', 'western', 'southern', 'northern', 'prestige', 'elite', 'classic', 'optima', 'optimum', 'maximum',
  'leader', 'leading', 'diamond', 'brilliant', 'emerald', 'sapphire', 'granite', 'stone', 'forest', 'river', 'mountain', 'earth', 'light',
  'silver', 'strength', 'success', 'triumph', 'victoria', 'friendship', 'patriot', 'patriotic', 'people', 'nation', 'transit', 'caravan',
  'convoy', 'continent', 'globus', 'universe', 'unity', 'integral', 'integrator', 'integration', 'innovator', 'modern', 'consolidated',
  'combined', 'complex', 'combine', 'house', 'project', 'bridge', 'tower', 'castle', 'crown', 'imperial', 'empire', 'kingdom', 'sovereign',
  'monarch', 'federation', 'falcon', 'eagle', 'hawk', 'tiger', 'lion', 'leopard', 'phoenix', 'dragon', 'griffin', 'pegasus', 'condor',
  'albatross', 'dolphin', 'shark', 'whale', 'arsenal', 'armada', 'shield', 'sword', 'arrow', 'spear', 'rocket', 'satellite', 'radar',
  'radio', 'electron', 'photon', 'proton', 'neutron', 'atomic', 'quantum', 'plasma', 'laser', 'optic', 'magnet', 'dynamic', 'dynamo',
  'turbo', 'turbine', 'engine', 'mechanic', 'second', 'third', 'peace', 'water', 'black', 'white', 'consult', 'europe', 'eurasia', 'arabian',
  'persian', 'caspian', 'baltic', 'siberia', 'volga', 'route', 'school', 'college', 'faith', 'microwave',
  // Russian, romanised (BGN/PCGN and common spellings)
  'partnyor', 'partnery', 'alyans', 'soyuz', 'elementy', 'vektor', 'progres', 'standart', 'kachestvo', 'pobeda', 'gorizont', 'garmoniya',
  'spektr', 'impuls', 'orbita', 'zvezda', 'almaz', 'kvant', 'avangard', 'vostok', 'zapad', 'sever', 'rassvet', 'iskra', 'molniya', 'raduga',
  'vympel', 'kristall', 'resurs', 'garant', 'kapital', 'energiya', 'tsentr', 'centr', 'profi', 'ekspert', 'magistral', 'faktor', 'sistema',
  'tekhnika', 'technika', 'tekhnicheskiy', 'kontakt', 'kredit', 'konsalt', 'sfera', 'legenda', 'galaktika', 'planeta', 'kosmos', 'zenit',
  'polyus', 'arktika', 'sibir', 'baltika', 'dnepr', 'prestizh', 'elita', 'klassik', 'maksimum', 'lider', 'rubin', 'izumrud', 'sapfir',
  'granit', 'zoloto', 'metall', 'uspekh', 'triumf', 'viktoria', 'nadezhda', 'lyubov', 'druzhba', 'rodina', 'narodny', 'ekspress',
  'tranzit', 'karavan', 'kontinent', 'edinstvo', 'novator', 'kompleks', 'kombinat', 'firma', 'proekt', 'proyekt', 'liniya', 'doroga',
  'sokol', 'berkut', 'feniks', 'pegas', 'delfin', 'strela', 'shchit', 'raketa', 'sputnik', 'elektron', 'foton', 'lazer', 'optika',
  'dinamika', 'dinamo', 'turbina', 'dvigatel', 'mekhanika', 'razvitie', 'aziya', 'evraziya', 'okean', 'finans', 'agentstvo', 'stroy', 'stroi',
  // German
  'handel', 'handels', 'technik', 'werk', 'werke', 'gruppe', 'dienst', 'dienste', 'zukunft', 'stern', 'sonne', 'licht', 'kraft',
  'fortschritt', 'einheit', 'freiheit', 'ost', 'westen', 'norden', 'sueden', 'allianz', 'stiftung', 'stiftelse', 'gesellschaft',
  'handelsgesellschaft',
  // French
  'societe', 'generale', 'commerce', 'entreprise', 'partenaire', 'conseil', 'groupe', 'nouvelle', 'avenir', 'etoile', 'soleil', 'lumiere',
  'atlantique', 'maison', 'banque', 'union',
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
