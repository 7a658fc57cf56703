"""The transition table, step by step: every allowed move, and every refused one."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gridgov.cases import services as s
from gridgov.cases.models import Department, Matter, MatterEvent, Notification, Status
from gridgov.cases.transitions import TRANSITIONS, allowed_from
from gridgov.core.models import AuditEntry

pytestmark = pytest.mark.django_db

# The statuses a matter can be brought to, and how: the path from a new matter.
PATHS = {
    Status.RECEIVED: [],
    Status.ASSIGNED: ["assign"],
    Status.IN_PROGRESS: ["sign"],
    Status.SETTLED: ["sign", "settle"],
    Status.REVIEWED: ["sign", "settle", "review"],
    Status.ARCHIVED: ["sign", "settle", "archive"],
    Status.MERGED: ["merge"],
}


def run(action, matter, staff, other=None):
    """Take ``action`` on ``matter`` as the micro-grid's worker (or the town for supervision)."""
    params = {
        "assign": {"assignee": staff.worker2},
        "return": {"reason": "不属本网格"},
        "note": {"public_note": "已上门了解情况"},
        "settle": {"answer": "经调解，双方同意让出通道"},
        "decline": {"answer": "属110受理范围，请拨打110"},
        "review": {"satisfaction": "satisfied"},
        "reopen": {"reason": "通道又被占用"},
        "escalate": {"reason": "涉及宅基地边界，需村里协调"},
        "transfer": {"department": other, "reason": "属综合执法"},
        "request_extension": {"workdays": 3, "reason": "需等当事人返乡"},
        "merge": {"into": other},
    }.get(action, {})
    user = staff.worker
    if action in ("approve_extension", "reject_extension", "supervise"):
        user = staff.town
        params = {"note": "请加快"} if action == "supervise" else {}
    if action == "sign" and matter.status == Status.ASSIGNED:
        user = matter.assignee
    return s.matter_act(matter=matter, user=user, action=action, **params)


def bring(matter, status, staff, other):
    for action in PATHS[status]:
        matter = run(action, matter, staff, other)
    return matter


@pytest.mark.parametrize("status", list(PATHS))
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_action_from_every_status(status, action, new_matter, staff, grid):
    department = Department.objects.create(name="桂城综合执法办", node=grid.town)
    target = new_matter(description="同一通道问题")
    matter = bring(new_matter(), status, staff, target)
    assert matter.status == status
    other = department if action == "transfer" else target
    if action in ("approve_extension", "reject_extension") and status in (
        Status.ASSIGNED,
        Status.IN_PROGRESS,
    ):
        actor = matter.assignee or staff.worker
        s.matter_extension_request(matter=matter, user=actor, workdays=2, reason="等材料")
    allowed = status in TRANSITIONS[action].sources
    assert (action in allowed_from(status)) == allowed
    events_before = MatterEvent.objects.filter(matter=matter).count()
    if allowed:
        result = run(action, matter, staff, other)
        expected = TRANSITIONS[action].target or status
        assert result.status == expected
        stored = Matter.objects.get(pk=matter.pk)
        assert stored.status == expected
        assert MatterEvent.objects.filter(matter=matter).count() == events_before + 1
        assert AuditEntry.objects.filter(action=f"matter.{action}", object_id=str(matter.pk))
    else:
        with pytest.raises(ValidationError, match="不能"):
            run(action, matter, staff, other)
        assert Matter.objects.get(pk=matter.pk).status == status
        assert MatterEvent.objects.filter(matter=matter).count() == events_before


def test_new_matter_goes_to_micro_grid_and_tells_its_worker(new_matter, staff, grid):
    matter = new_matter()
    assert matter.number.startswith("20") and len(matter.number) == 14
    assert matter.grid_path == grid.microgrid.code
    assert matter.handler_node == grid.microgrid and matter.level == "microgrid"
    assert matter.status == Status.RECEIVED
    told = set(Notification.objects.filter(matter=matter).values_list("user_id", flat=True))
    assert told == {staff.worker.pk, staff.worker2.pk}


def test_public_order_starts_at_the_village(new_matter, staff, grid):
    from gridgov.cases.models import Category

    matter = new_matter(category=Category.objects.get(code="public_order"))
    assert matter.handler_node == grid.village and matter.grid_path == grid.microgrid.code
    told = set(Notification.objects.filter(matter=matter).values_list("user_id", flat=True))
    assert told == {staff.village.pk}


def test_only_the_assignee_signs_an_assigned_matter(new_matter, staff):
    matter = s.matter_assign(matter=new_matter(), user=staff.worker, assignee=staff.worker2)
    with pytest.raises(PermissionDenied):
        s.matter_sign(matter=matter, user=staff.worker)
    assert s.matter_sign(matter=matter, user=staff.worker2).assignee == staff.worker2


def test_assignee_must_be_able_to_handle_at_that_level(new_matter, staff):
    with pytest.raises(ValidationError, match="不能办理"):
        s.matter_assign(matter=new_matter(), user=staff.worker, assignee=staff.other_worker)
    with pytest.raises(ValidationError, match="不能办理"):
        s.matter_assign(matter=new_matter(), user=staff.worker, assignee=staff.viewer)


@pytest.mark.parametrize("who", ["other_worker", "viewer", "supervisor", "other_village"])
def test_people_without_the_right_at_that_level_are_refused(who, new_matter, staff):
    with pytest.raises(PermissionDenied):
        s.matter_sign(matter=new_matter(), user=getattr(staff, who))


def test_escalation_moves_the_right_to_act_up(new_matter, staff, grid):
    matter = s.matter_escalate(matter=new_matter(), user=staff.worker, reason="需村里协调")
    assert matter.handler_node == grid.group and matter.escalation_count == 1
    with pytest.raises(PermissionDenied):
        s.matter_sign(matter=matter, user=staff.worker)  # the grid no longer holds it
    matter = s.matter_escalate(matter=matter, user=staff.group_leader, reason="需村委会")
    assert matter.handler_node == grid.village
    signed = s.matter_sign(matter=matter, user=staff.village)
    settled = s.matter_settle(matter=signed, user=staff.village, answer="村委会已协调解决")
    assert settled.settled_level == "village"


def test_cannot_escalate_above_the_top(new_matter, staff, grid):
    matter = new_matter()
    for user in (staff.worker, staff.group_leader, staff.village, staff.town):
        matter = s.matter_escalate(matter=matter, user=user, reason="上报")
    assert matter.handler_node == grid.county
    with pytest.raises(ValidationError, match="最高层级"):
        s.matter_escalate(matter=matter, user=staff.county, reason="再上报")


def test_transfer_needs_a_department_over_the_place(new_matter, staff, grid, make_user):
    from gridgov.grid.services import grid_node_create

    elsewhere = grid_node_create(code="440605002", name="大沥镇", parent=grid.county, by=None)
    foreign = Department.objects.create(name="大沥镇城管", node=elsewhere)
    with pytest.raises(ValidationError, match="不管辖"):
        s.matter_transfer(matter=new_matter(), user=staff.worker, department=foreign, reason="城管")
    own = Department.objects.create(name="桂城城管", node=grid.town)
    matter = s.matter_transfer(
        matter=new_matter(), user=staff.worker, department=own, reason="城管"
    )
    assert matter.department == own and matter.handler_node == grid.town


def test_return_needs_a_reason_and_clears_the_assignee(new_matter, staff):
    matter = s.matter_sign(matter=new_matter(), user=staff.worker)
    with pytest.raises(ValidationError):
        s.matter_return(matter=matter, user=staff.worker, reason="  ")
    matter = s.matter_return(matter=matter, user=staff.worker, reason="不属本网格")
    assert matter.status == Status.RECEIVED and matter.assignee is None


def test_settling_needs_an_answer(new_matter, staff):
    matter = s.matter_sign(matter=new_matter(), user=staff.worker)
    with pytest.raises(ValidationError, match="不能为空"):
        s.matter_settle(matter=matter, user=staff.worker, answer="")


def test_extension_is_approved_above_and_not_by_the_requester(new_matter, staff):
    matter = s.matter_sign(matter=new_matter(), user=staff.village)
    old = matter.deadline
    with pytest.raises(ValidationError, match="1至10"):
        s.matter_extension_request(matter=matter, user=staff.village, workdays=11, reason="久")
    matter = s.matter_extension_request(matter=matter, user=staff.village, workdays=10, reason="久")
    with pytest.raises(ValidationError, match="待批准"):
        s.matter_extension_request(matter=matter, user=staff.village, workdays=2, reason="再延")
    with pytest.raises(PermissionDenied, match="自己"):
        s.matter_extension_decide(matter=matter, user=staff.village, approve=True)
    with pytest.raises(PermissionDenied):
        s.matter_extension_decide(matter=matter, user=staff.worker, approve=True)
    matter = s.matter_extension_decide(matter=matter, user=staff.town, approve=True)
    assert matter.deadline > old and matter.extension_days is None


def test_resident_may_review_and_reopen_but_nothing_else(new_matter, staff):
    matter = s.matter_sign(matter=new_matter(), user=staff.worker)
    with pytest.raises(PermissionDenied):
        s.matter_act(matter=matter, user=None, action="settle", answer="x")
    matter = s.matter_settle(matter=matter, user=staff.worker, answer="已处理")
    matter = s.matter_review(matter=matter, satisfaction="unsatisfied", comment="没解决")
    assert matter.satisfaction == "unsatisfied"
    matter = s.matter_reopen(matter=matter, reason="通道仍被占")
    assert matter.status == Status.IN_PROGRESS and matter.reopen_count == 1
    assert matter.satisfaction == "" and matter.settled_at is None
    assert Notification.objects.filter(matter=matter, kind="reopened", user=staff.worker)


def test_merged_matters_answer_every_reporter(new_matter, staff):
    first, second = new_matter(), new_matter(description="通道被占（另一户反映）")
    merged = s.matter_merge(matter=second, user=staff.worker, into=first)
    assert merged.status == Status.MERGED and merged.merged_into == first
    first = s.matter_sign(matter=first, user=staff.worker)
    s.matter_settle(matter=first, user=staff.worker, answer="通道已清理")
    second.refresh_from_db()
    assert second.answer == "通道已清理" and second.answered_at is not None
    assert second.events.filter(action="merged_answer", public_note="通道已清理").exists()


def test_merge_refuses_self_and_closed_targets(new_matter, staff):
    matter = new_matter()
    with pytest.raises(ValidationError, match="自身"):
        s.matter_merge(matter=matter, user=staff.worker, into=matter)
    closed = s.matter_settle(
        matter=s.matter_sign(matter=new_matter(), user=staff.worker), user=staff.worker, answer="好"
    )
    with pytest.raises(ValidationError, match="未办结"):
        s.matter_merge(matter=matter, user=staff.worker, into=closed)


def test_unknown_action_is_refused(new_matter, staff):
    with pytest.raises(ValidationError, match="未知"):
        s.matter_act(matter=new_matter(), user=staff.worker, action="teleport")


def test_a_merge_between_a_settles_read_and_its_write_is_answered_too(
    new_matter, staff, monkeypatch
):
    """The settle's read found no merged matter waiting; one merged in before it wrote: the
    write finds the row changed, the settle runs again, and the newcomer gets the answer."""
    from gridgov.cases import step_runner

    first = s.matter_sign(matter=new_matter(), user=staff.worker)
    second = new_matter(description="通道被占（另一户反映）")
    real_begin, merged = step_runner.begin, []

    def begin(matter, action, user, **kwargs):
        current = real_begin(matter, action, user, **kwargs)
        if action == "settle" and not merged:
            assert not current.merged_waiting
            merged.append(s.matter_merge(matter=second, user=staff.worker, into=first))
        return current

    monkeypatch.setattr(step_runner, "begin", begin)
    settled = s.matter_settle(matter=first, user=staff.worker, answer="通道已清理")
    assert settled.status == Status.SETTLED and merged
    second.refresh_from_db()
    assert second.answer == "通道已清理" and second.answered_at is not None


def test_a_settle_with_no_merged_matter_is_a_step_like_any_other(new_matter, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(step, **params):
        matter = s.matter_sign(matter=new_matter(), user=staff.worker)
        with CaptureQueriesContext(connection) as queries:
            step(matter=matter, user=staff.worker, **params)
        return [q["sql"] for q in queries.captured_queries]

    settle = statements(s.matter_settle, answer="好了")
    assert len(settle) == len(statements(s.matter_note, public_note="在办"))
    assert not [sql for sql in settle if "merged_into_id" in sql and "FOR UPDATE" in sql]


def test_handlers_are_the_active_holders_of_the_role_nearest_the_matter(grid, staff):
    """The category's role at the node first, else anyone there who may handle, else the
    nearest level above with someone; a deactivated user is nobody."""
    from gridgov.cases.notify import handlers_of

    assert handlers_of(grid.microgrid, role="grid_worker") == sorted(
        [staff.worker.pk, staff.worker2.pk]
    )
    assert handlers_of(grid.village, role="village_cadre") == [staff.village.pk]
    staff.worker.is_active = False
    staff.worker.save(update_fields=["is_active"])
    assert handlers_of(grid.microgrid, role="grid_worker") == [staff.worker2.pk]
    staff.worker2.is_active = False
    staff.worker2.save(update_fields=["is_active"])
    # Nobody left in the micro-grid: its group leader, the nearest level above with someone.
    assert handlers_of(grid.microgrid, role="grid_worker") == [staff.group_leader.pk]
