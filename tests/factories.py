"""factory_boy factories for every app. Extend here (or in tests/<app>/factories.py)."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from committees.models import Committee, CommitteeMembership, Department
from households import identity
from households.models import Household, Resident
from liaison.models import Cadre, Pairing, Township, Village, WorkGroup


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试乡{n}")
    code = factory.Sequence(lambda n: f"t{n}")
    service_phone = "010-12345678"


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"测试村{n}")
    code = factory.Sequence(lambda n: f"V{n:03d}")


class WorkGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkGroup

    village = factory.SubFactory(VillageFactory)
    township = factory.SelfAttribute("village.township")
    name = factory.LazyAttribute(lambda o: f"{o.village.name}工作组")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "Passw0rd!x")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(*Group.objects.filter(name__in=[str(r) for r in extracted]))
        self.save()


class CadreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadre

    user = factory.SubFactory(UserFactory)
    workgroup = factory.SubFactory(WorkGroupFactory)
    township = factory.SelfAttribute("workgroup.township")
    name = factory.Sequence(lambda n: f"干部{n}")
    # not 139…: tests write cadres like "13900000001" by hand, which a sequence would reach
    phone = factory.Sequence(lambda n: f"136{n:08d}")


def valid_id_number(n: int, birth: str = "19800101") -> str:
    first17 = f"110105{birth}{n % 1000:03d}"
    return first17 + identity.id_check_digit(first17)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village = factory.SubFactory(VillageFactory)
    township = factory.SelfAttribute("village.township")
    code = factory.Sequence(lambda n: f"H{n:06d}")
    address = factory.Sequence(lambda n: f"幸福路{n}号")
    head_name = factory.Sequence(lambda n: f"户主{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident
        skip_postgeneration_save = True

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"居民{n}")
    relation = Resident.Relation.HEAD
    is_head = True

    @factory.post_generation
    def id_number(self, create, extracted, **kwargs):
        self.set_id_number(extracted or valid_id_number(self.pk or 0))
        if create:
            self.save()


class PairingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pairing

    cadre = factory.SubFactory(CadreFactory)
    household = factory.SubFactory(
        HouseholdFactory,
        village=factory.SelfAttribute("..cadre.workgroup.village"),
    )


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    township = factory.SubFactory(TownshipFactory)
    code = Committee.Code.SOCIAL_GOVERNANCE
    name = "社会治理"


class CommitteeMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMembership

    committee = factory.SubFactory(CommitteeFactory)
    cadre = factory.SubFactory(CadreFactory)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"区测试局{n}")
