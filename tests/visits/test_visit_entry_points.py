"""Where a cadre starts a visit from (issue 15, item 8): the household page has a "记录走访"
button for whoever may log a visit of that household (visits.access), preselecting it; the
names on the cadre's home page lead to the household page."""

from django.urls import reverse

from liaison.roles import Role
from tests.factories import CadreFactory, UserFactory


def test_the_household_page_offers_record_visit_to_the_paired_cadre_only(client, group):
    household = group["households"]["a"][0]
    url = reverse("households:detail", args=[household.pk])
    new_visit = f"{reverse('liaison:visit-new')}?household={household.pk}"

    client.force_login(group["a"].user)
    body = client.get(url).content.decode()
    assert 'data-testid="household-log-visit"' in body and f'href="{new_visit}"' in body
    form = client.get(new_visit).content.decode()
    assert f'name="household" id="id_household" value="{household.pk}"' in form

    # the group leader reads the household but is not paired with it; the leader only reads
    client.force_login(group["leader"].user)
    page = client.get(url)
    assert (
        page.status_code == 200 and 'data-testid="household-log-visit"' not in page.content.decode()
    )
    leader = CadreFactory(
        user=UserFactory(roles=[Role.LEADER]), township=household.township, workgroup=None
    )
    client.force_login(leader.user)
    page = client.get(url)
    assert (
        page.status_code == 200 and 'data-testid="household-log-visit"' not in page.content.decode()
    )


def test_the_names_on_the_cadre_home_link_to_the_household_page(client, group):
    client.force_login(group["a"].user)
    body = client.get(reverse("home")).content.decode()
    for household in group["households"]["a"]:
        link = reverse("households:detail", args=[household.pk])
        assert f'<a href="{link}" data-testid="household-{household.code}">' in body
