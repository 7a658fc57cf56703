"""Chinese names for demo data: surnames by frequency, given names by sex and birth cohort,
village names from place-name syllables. Vectorised: callers pass numpy arrays and get arrays.
"""

from __future__ import annotations

import numpy as np

# Surnames common in Foshan/Nanhai with rough relative frequencies (per cent of residents);
# clans make many Nanhai villages one- or two-surname villages, see ``village_surnames``.
# fmt: off
SURNAME_WEIGHTS: dict[str, float] = {
    "陈": 12.0, "梁": 7.0, "李": 6.5, "黄": 6.0, "何": 4.0, "张": 3.5, "林": 3.0, "罗": 2.8,
    "吴": 2.5, "刘": 2.5, "麦": 2.2, "潘": 2.0, "关": 1.8, "冯": 1.8, "区": 1.5, "邓": 1.5,
    "谢": 1.5, "杨": 1.5, "黎": 1.4, "郭": 1.2, "叶": 1.2, "卢": 1.2, "郑": 1.2, "招": 1.0,
    "杜": 1.0, "钟": 1.0, "周": 1.0, "朱": 1.0, "曾": 0.9, "谭": 0.9, "冼": 0.8, "苏": 0.8,
    "莫": 0.8, "徐": 0.8, "余": 0.8, "庞": 0.7, "胡": 0.7, "蔡": 0.7, "简": 0.6, "邝": 0.6,
    "彭": 0.6, "霍": 0.5, "岑": 0.5, "温": 0.5, "马": 0.5, "方": 0.5, "高": 0.5, "袁": 0.5,
    "江": 0.5, "伦": 0.4, "孔": 0.4, "邹": 0.4, "邱": 0.4, "赖": 0.4, "陆": 0.4, "欧阳": 0.3,
    "甘": 0.3, "崔": 0.3, "凌": 0.3, "康": 0.3, "龙": 0.3, "严": 0.3, "司徒": 0.2, "植": 0.2,
}
# fmt: on
SURNAMES = np.array(list(SURNAME_WEIGHTS), dtype=object)
SURNAME_P = np.array(list(SURNAME_WEIGHTS.values())) / sum(SURNAME_WEIGHTS.values())

# Given-name characters by sex and cohort: 0 born before 1975, 1 in 1975–1999, 2 from 2000.
_GIVEN = {
    "M0": "国建明华伟强军平志德荣辉文光永海林杰炳锦添耀汉达富根旺权雄基棠洪培全胜福昌润桂金铭成",
    "M1": "伟俊杰志鹏浩斌健锋勇军华超明辉龙飞涛亮剑波彬宏展威永振家嘉荣立敏健锐文伦",
    "M2": "浩宇俊子轩睿梓铭晨博泽嘉乐诚航彦锐宏凯铠皓霖煜然承朗晋哲翔熙峻钧颢源",
    "F0": "秀英芳兰桂玉珍凤霞娟丽琼燕梅妹好金银群彩婵娣带爱杏月萍少淑惠美琴卿",
    "F1": "丽敏燕静婷霞玲娟艳红颖慧洁琳倩莉雪芳嘉欣晓凤婉雯韵诗思素丹",
    "F2": "欣怡婷雅静诗琪嘉慧颖晴思雨萱玥涵彤悦可芷梓晞钰妍琳桐乐瑶柔若",
}
GIVEN_POOLS = {
    (key[0], int(key[1])): np.array(list(chars), dtype=object) for key, chars in _GIVEN.items()
}
SINGLE_CHAR_SHARE = 0.15

# Syllables of Pearl River Delta place names: 平洲, 沙头, 叠滘, 横江, 良溪...
PLACE_FIRST = (
    "平沙石横大小新上下东西南北岗联仙松罗黎官龙凤金桂蟠叠夏河海江湖塘竹杏荷良永民和太洲"
    "长高白黄青紫云山樟榕莲花鹤凤双三九百沥澜溪岐滘"
)
PLACE_SECOND = "洲头岗滘涌边塘基围田坑冲岭山桥沙湾岸口溪庄坊墩步东西南北安和丰联胜兴华乐宁涌"

CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五 (enough for group numbers)."""
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CHINESE_DIGITS[tens]
    return head + "十" + (CHINESE_DIGITS[ones] if ones else "")


def village_surnames(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Surname probabilities for one village: 1–3 clan surnames hold about half the heads."""
    clans = rng.choice(len(SURNAMES), size=int(rng.integers(1, 4)), replace=False, p=SURNAME_P)
    p = SURNAME_P * 0.5
    shares = rng.dirichlet(np.ones(len(clans)) * 2.0) * 0.5
    p[clans] += shares
    return SURNAMES, p / p.sum()


def draw_surnames(rng: np.random.Generator, n: int, p: np.ndarray | None = None) -> np.ndarray:
    return SURNAMES[rng.choice(len(SURNAMES), size=n, p=SURNAME_P if p is None else p)]


def draw_given_names(rng: np.random.Generator, sex: np.ndarray, birth_year: np.ndarray):
    """Given names (1 or 2 characters) for people of the given sex ('M'/'F') and birth year."""
    n = len(sex)
    cohort = np.where(birth_year < 1975, 0, np.where(birth_year < 2000, 1, 2))
    first = np.empty(n, dtype=object)
    second = np.empty(n, dtype=object)
    for (s, c), pool in GIVEN_POOLS.items():
        idx = np.flatnonzero((sex == s) & (cohort == c))
        if idx.size:
            first[idx] = pool[rng.integers(0, len(pool), idx.size)]
            second[idx] = pool[rng.integers(0, len(pool), idx.size)]
    single = rng.random(n) < SINGLE_CHAR_SHARE
    second[single] = ""
    return first + second


def place_names(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    """``n`` distinct two-character place names not in ``taken`` (which is updated)."""
    names: list[str] = []
    while len(names) < n:
        name = (
            PLACE_FIRST[rng.integers(len(PLACE_FIRST))]
            + PLACE_SECOND[rng.integers(len(PLACE_SECOND))]
        )
        if name[0] != name[1] and name not in taken:
            taken.add(name)
            names.append(name)
    return names
