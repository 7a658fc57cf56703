import pytest
from django.core.exceptions import ValidationError

from gridgov.accounts.roles import Role
from gridgov.grid.models import GridNode
from gridgov.grid.selectors import children_with_counts, visible_roots
from gridgov.grid.services import grid_node_create


def test_codes_must_fit_level_and_parent(tree):
    with pytest.raises(ValidationError, match="9位"):
        grid_node_create(code="44060500", name="x", parent=tree.county, by=None)
    with pytest.raises(ValidationError, match="上级"):
        grid_node_create(code="440606001", name="x", parent=tree.county, by=None)
    with pytest.raises(ValidationError, match="000"):
        grid_node_create(code="440605000", name="x", parent=tree.county, by=None)
    with pytest.raises(ValidationError, match="GB/T 2260"):
        grid_node_create(code="440699", name="x", by=None)
    with pytest.raises(ValidationError, match="微网格下"):
        grid_node_create(code="440605001201001001001", name="x", parent=tree.microgrid, by=None)


def test_subtree_reads_are_range_scans_on_the_code(tree):
    sql = str(GridNode.objects.within(tree.village.code).query)
    assert ">=" in sql and "<" in sql and "LIKE" not in sql.upper()
    codes = set(GridNode.objects.within(tree.village.code).values_list("code", flat=True))
    assert codes == {tree.village.code, tree.group.code, tree.microgrid.code}


def test_children_counts_sum_the_microgrids(tree, make_household, make_person):
    make_person(make_household())
    make_person(make_household(tree.other_microgrid))
    make_person(make_household(tree.other_microgrid))
    rows = {node.code: c for node, c in children_with_counts(tree.town)}
    assert rows[tree.village.code].households == 1
    assert rows[tree.other_village.code].persons == 2


def test_visible_roots_follow_assignments(tree, make_user):
    cadre = make_user(Role.VILLAGE_CADRE, tree.village)
    assert visible_roots(cadre) == [tree.village]
    assert GridNode.objects.restrict(cadre).filter(pk=tree.other_village.pk).count() == 0
    admin = make_user(superuser=True)
    assert visible_roots(admin) == [tree.county]


def test_boundaries_must_be_valid_polygons(tree):
    from gridgov.grid.services import grid_node_update

    square = {
        "type": "Polygon",
        "coordinates": [[[113, 23], [113.1, 23], [113.1, 23.1], [113, 23.1], [113, 23]]],
    }
    assert (
        grid_node_update(node=tree.village, data={"boundary": square}, by=None).boundary == square
    )
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[113, 23], [113.1, 23.1], [113.1, 23], [113, 23.1], [113, 23]]],
    }
    with pytest.raises(ValidationError, match="无效"):
        grid_node_update(node=tree.village, data={"boundary": bowtie}, by=None)
    with pytest.raises(ValidationError, match="Polygon"):
        grid_node_update(
            node=tree.village,
            data={"boundary": {"type": "Point", "coordinates": [113, 23]}},
            by=None,
        )
    swapped = {
        "type": "Polygon",
        "coordinates": [[[23, 113], [23.1, 113], [23.1, 113.1], [23, 113]]],
    }
    with pytest.raises(ValidationError, match="经度在前"):
        grid_node_update(node=tree.village, data={"boundary": swapped}, by=None)
    with pytest.raises(ValidationError, match="同时"):
        grid_node_update(node=tree.village, data={"lat": 23.0, "lng": None}, by=None)
