"""Rules on party organizations and bodies, each with its source (DOMAIN.md §9).

Values are read with ``gridgov.core.rules.rule_value`` so a county may override them.
"""

from gridgov.core.rules import define

BRANCH_MIN_FULL_MEMBERS = define(
    "orgs.branch_min_full_members",
    3,
    source="《中国共产党支部工作条例（试行）》第4条；《中国共产党农村基层组织工作条例》第5条",
    description="正式党员3人以上的应当成立党支部",
)
BRANCH_MAX_MEMBERS = define(
    "orgs.branch_max_members",
    50,
    source="《中国共产党支部工作条例（试行）》第4条",
    description="党支部党员人数一般不超过50人；超过的应分设或成立党总支",
)
GENERAL_BRANCH_ABOVE = define(
    "orgs.general_branch_above_members",
    50,
    source="《中国共产党农村基层组织工作条例》第5条",
    description="党员人数超过50人的村可以成立党总支（严格多于50）",
)
PARTY_COMMITTEE_MIN_MEMBERS = define(
    "orgs.party_committee_min_members",
    100,
    source="《中国共产党农村基层组织工作条例》第5条",
    description="党员人数100人以上的村，经县级党委批准可以成立村党委（至少100）",
)
BRANCH_COMMITTEE_MIN_FULL_MEMBERS = define(
    "orgs.branch_committee_min_full_members",
    7,
    source="《中国共产党支部工作条例（试行）》第8条",
    description="正式党员7人以上的党支部设立支部委员会；不足7人的只设书记",
)
BRANCH_COMMITTEE_SIZE = define(
    "orgs.branch_committee_size",
    (3, 5, 7),
    source="《中国共产党支部工作条例（试行）》第8条",
    description="支部委员会一般由3至5人组成，最多不超过7人（最少、一般最多、绝对最多）",
)
VILLAGE_PARTY_TERM_YEARS = define(
    "orgs.village_party_term_years",
    5,
    source="《中国共产党农村基层组织工作条例》第6条",
    description="村党组织每届任期5年",
)
SUPERVISION_COMMITTEE_SIZE = define(
    "orgs.supervision_committee_size",
    (3, 5),
    source="《村民委员会组织法》（2018）第32条",
    description="村务监督委员会成员3至5人",
)
