"""The procedures (决策程序) as enforced sequences of stages, and the bodies that may hold each
stage's meeting.

四议两公开 (003; 农村基层组织工作条例 2019): 村党组织提议 → 村“两委”会议商议 → 党员大会审议 →
村民会议或村民代表会议决议 → 决议公开 → 实施结果公开. The group procedure of the group-committee
model (001; VCOL Art. 28): 组民商议 → 组委会会议 → 村民小组会议决定. The collective economic
organization's matters go first to the village party organization (集体经济组织法 Art. 26), then
to the members' (representatives') assembly (Art. 27, 28).
"""

from __future__ import annotations

from .models import MeetingBody, Procedure, StageKind

STAGES: dict[str, tuple[str, ...]] = {
    Procedure.FOUR_TWO: (
        StageKind.PROPOSAL,
        StageKind.CONSULTATION,
        StageKind.PARTY_REVIEW,
        StageKind.RESOLUTION,
        StageKind.DECISION_NOTICE,
        StageKind.RESULT_NOTICE,
    ),
    Procedure.GROUP: (
        StageKind.GROUP_DISCUSSION,
        StageKind.GROUP_COMMITTEE,
        StageKind.GROUP_DECISION,
        StageKind.DECISION_NOTICE,
        StageKind.RESULT_NOTICE,
    ),
    Procedure.COLLECTIVE: (
        StageKind.PROPOSAL,
        StageKind.COLLECTIVE_DECISION,
        StageKind.DECISION_NOTICE,
        StageKind.RESULT_NOTICE,
    ),
    Procedure.BRANCH: (StageKind.BRANCH_COMMITTEE, StageKind.BRANCH_ASSEMBLY),
}

# Which bodies may meet for a stage. The proposal is the party organization's: its committee
# where it has one, otherwise its members' assembly.
STAGE_BODIES: dict[str, tuple[str, ...]] = {
    StageKind.PROPOSAL: (MeetingBody.BRANCH_COMMITTEE, MeetingBody.PARTY_ASSEMBLY),
    StageKind.CONSULTATION: (MeetingBody.TWO_COMMITTEES,),
    StageKind.PARTY_REVIEW: (MeetingBody.PARTY_ASSEMBLY,),
    StageKind.RESOLUTION: (MeetingBody.VILLAGERS, MeetingBody.REPRESENTATIVES),
    StageKind.GROUP_DISCUSSION: (MeetingBody.DISCUSSION,),
    StageKind.GROUP_COMMITTEE: (MeetingBody.GROUP_COMMITTEE,),
    StageKind.GROUP_DECISION: (MeetingBody.GROUP,),
    StageKind.COLLECTIVE_DECISION: (
        MeetingBody.COLLECTIVE_MEMBERS,
        MeetingBody.COLLECTIVE_REPRESENTATIVES,
    ),
    StageKind.BRANCH_COMMITTEE: (MeetingBody.BRANCH_COMMITTEE,),
    StageKind.BRANCH_ASSEMBLY: (MeetingBody.PARTY_ASSEMBLY,),
    StageKind.DECISION_NOTICE: (),
    StageKind.RESULT_NOTICE: (),
}

# Stages a meeting decides (the others are notices). A discussion (组民商议) is recorded with
# its attendance and summary but takes no vote: it passes when held.
DECIDING_BODIES = frozenset(b for b in MeetingBody if b != MeetingBody.DISCUSSION)

# Bodies whose roll is counted in people and households of a place (tallied as paper counts);
# the others are small bodies with a roster, attendance and votes per person.
PLACE_BODIES = frozenset({MeetingBody.VILLAGERS, MeetingBody.GROUP, MeetingBody.DISCUSSION})
COUNTED_BODIES = PLACE_BODIES | {MeetingBody.COLLECTIVE_MEMBERS}


def stages_of(procedure: str) -> tuple[str, ...]:
    return STAGES[procedure]


def bodies_for(stage_kind: str) -> tuple[str, ...]:
    return STAGE_BODIES[stage_kind]
