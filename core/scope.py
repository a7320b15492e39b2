"""Who may see and do what, decided once per user (API.md "Roles").

A ``Scope`` is built from a user once (``User.scope``) and handed to every selector, page, export and
task. Nothing else in the product looks at a role to decide what someone may see: a new rule goes
here, and every reader follows it.

- team (volunteer, team leader): the villages of their team;
- commune (commune leader): their commune;
- province (province officer): their province, as aggregates (no household names or phones);
- national (admin): everything;
- none (a member with no area yet): nothing at all. No scope ever means "everything" by accident.

A member's areas agree by construction (``core.models.member_areas``: ``User.save`` derives the wider
areas from the narrowest, and the database refuses areas a role does not have), so a scope takes them as
they are: a team scope's commune is its team's, a commune scope's province is its commune's.

Tasks that render on someone's behalf build the same value from an area (``Scope.commune_leader``,
``Scope.province_officer``) instead of inventing an unsaved user.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q

from core.models import TEAM_ROLES, Role, User


class Kind(StrEnum):
    TEAM = "team"
    COMMUNE = "commune"
    PROVINCE = "province"
    NATIONAL = "national"
    NONE = "none"


@dataclass(frozen=True)
class Scope:
    kind: Kind
    province: str | None = None
    commune: str | None = None
    team: int | None = None

    # --- building it -------------------------------------------------------------------------------

    @classmethod
    def of(cls, user: User) -> "Scope":
        if user is None or not user.is_authenticated or not user.is_active:
            return cls(Kind.NONE)
        if user.is_superuser or user.role == Role.ADMIN:
            return cls(Kind.NATIONAL)
        if user.role in TEAM_ROLES:
            if not user.team_id:
                return cls(Kind.NONE)
            return cls(Kind.TEAM, province=user.province_id, commune=user.commune_id, team=user.team_id)
        if user.role == Role.COMMUNE_LEADER and user.commune_id:
            return cls(Kind.COMMUNE, province=user.province_id, commune=user.commune_id)
        if user.role == Role.PROVINCE_OFFICER and user.province_id:
            return cls(Kind.PROVINCE, province=user.province_id)
        return cls(Kind.NONE)

    @classmethod
    def commune_leader(cls, *, commune: str, province: str) -> "Scope":
        return cls(Kind.COMMUNE, province=province, commune=commune)

    @classmethod
    def province_officer(cls, *, province: str) -> "Scope":
        return cls(Kind.PROVINCE, province=province)

    # --- what it allows ----------------------------------------------------------------------------

    @property
    def is_national(self) -> bool:
        return self.kind == Kind.NATIONAL

    @property
    def sees_identity(self) -> bool:
        """Names and phones: the household's team and commune leaders (and admins), never the province."""
        return self.kind in (Kind.TEAM, Kind.COMMUNE, Kind.NATIONAL)

    @property
    def works_in_field(self) -> bool:
        """Push and pull are for phones: team members and commune leaders."""
        return self.kind in (Kind.TEAM, Kind.COMMUNE)

    @property
    def runs_campaigns(self) -> bool:
        return self.kind in (Kind.PROVINCE, Kind.NATIONAL)

    @property
    def sees_campaigns(self) -> bool:
        """The campaign list and dashboards: whoever runs campaigns, and commune leaders for theirs."""
        return self.runs_campaigns or self.kind == Kind.COMMUNE

    @property
    def map_province(self) -> str | None:
        """The province map this scope starts from (its own province; national scopes pick one)."""
        return self.province if self.kind in (Kind.TEAM, Kind.COMMUNE, Kind.PROVINCE) else None

    @property
    def map_commune(self) -> str | None:
        """The commune map this scope starts from: team members and commune leaders, their commune."""
        return self.commune if self.kind in (Kind.TEAM, Kind.COMMUNE) else None

    @property
    def leads_commune(self) -> str | None:
        """The commune whose leader's page is this scope's own workspace."""
        return self.commune if self.kind == Kind.COMMUNE else None

    @property
    def opens_leader_pages(self) -> bool:
        """Commune leader's pages (villages, follow-ups, flags): commune leaders for their commune,
        province officers and admins for communes in their scope, as aggregates for the province."""
        return self.kind in (Kind.COMMUNE, Kind.PROVINCE, Kind.NATIONAL)

    @property
    def administers(self) -> bool:
        """The Django admin (NationalAdminSite also asks for is_staff)."""
        return self.is_national

    def may_run_campaign_in(self, province: str) -> bool:
        return self.is_national or (self.kind == Kind.PROVINCE and self.province == province)

    # --- setting up: people, villages, boundaries, the catalogue ---------------------------------------

    @property
    def manages_people(self) -> bool:
        """Commune leaders manage their commune's teams, members and villages; province officers also
        their communes' leaders; admins everyone."""
        return self.kind in (Kind.COMMUNE, Kind.PROVINCE, Kind.NATIONAL)

    @property
    def manageable_roles(self) -> frozenset[str]:
        match self.kind:
            case Kind.NATIONAL:
                return frozenset(Role.values)
            case Kind.PROVINCE:
                return frozenset({*TEAM_ROLES, Role.COMMUNE_LEADER})
            case Kind.COMMUNE:
                return frozenset(TEAM_ROLES)
        return frozenset()

    def members(self) -> Q:
        """A filter on User: the members this scope manages (never someone above it)."""
        match self.kind:
            case Kind.NATIONAL:
                return Q()
            case Kind.PROVINCE:
                return Q(province_id=self.province, role__in=sorted(self.manageable_roles))
            case Kind.COMMUNE:
                return Q(commune_id=self.commune, role__in=sorted(self.manageable_roles))
        return Q(pk__in=[])

    @property
    def sees_setup_table(self) -> bool:
        """Every commune's set-up state (teams, members, villages, boundaries): provinces and admins."""
        return self.kind in (Kind.PROVINCE, Kind.NATIONAL)

    @property
    def edits_catalogue(self) -> bool:
        """The catalogue page: admins edit the national catalogue, provinces shape their own view of it."""
        return self.kind in (Kind.PROVINCE, Kind.NATIONAL)

    @property
    def edits_national_catalogue(self) -> bool:
        """The national catalogue (every province's phones read it) is the national administrators'."""
        return self.is_national

    def shapes_catalogue_of(self, province: str) -> bool:
        """A province's own view of the catalogue (services in use, its guides): its officers, and admins."""
        return self.is_national or (self.kind == Kind.PROVINCE and self.province == province)

    @property
    def cache_key(self) -> str:
        """Names the set of things this scope sees: two scopes with the same key see the same pages."""
        area = {
            Kind.TEAM: self.team,
            Kind.COMMUNE: self.commune,
            Kind.PROVINCE: self.province,
            Kind.NATIONAL: "all",
            Kind.NONE: "none",
        }[self.kind]
        return f"{self.kind}-{area}"

    # --- filters -----------------------------------------------------------------------------------

    def villages(self, prefix: str = "") -> Q:
        """A filter on a model that reaches Village through ``prefix`` (e.g. ``"village__"``)."""
        match self.kind:
            case Kind.NATIONAL:
                return Q()
            case Kind.TEAM:
                return Q(**{f"{prefix}team_id": self.team})
            case Kind.COMMUNE:
                return Q(**{f"{prefix}commune_id": self.commune})
            case Kind.PROVINCE:
                return Q(**{f"{prefix}commune__province_id": self.province})
        return Q(pk__in=[])

    def communes(self) -> Q:
        """A filter on Commune: team and commune scopes see their own commune only."""
        match self.kind:
            case Kind.NATIONAL:
                return Q()
            case Kind.TEAM | Kind.COMMUNE:
                return Q(code=self.commune)
            case Kind.PROVINCE:
                return Q(province_id=self.province)
        return Q(pk__in=[])

    def whole_communes(self) -> Q:
        """A filter on Commune: communes this scope sees entirely (a team sees only part of its own)."""
        match self.kind:
            case Kind.NATIONAL:
                return Q()
            case Kind.COMMUNE:
                return Q(code=self.commune)
            case Kind.PROVINCE:
                return Q(province_id=self.province)
        return Q(pk__in=[])

    def provinces(self) -> Q:
        if self.is_national:
            return Q()
        if self.kind == Kind.NONE:
            return Q(pk__in=[])
        return Q(code=self.province)

    def teams(self) -> Q:
        match self.kind:
            case Kind.NATIONAL:
                return Q()
            case Kind.TEAM:
                return Q(pk=self.team)
            case Kind.COMMUNE:
                return Q(commune_id=self.commune)
            case Kind.PROVINCE:
                return Q(commune__province_id=self.province)
        return Q(pk__in=[])

    def campaigns(self) -> Q:
        """Province campaigns; below the province, those that include the caller's commune (or all)."""
        match self.kind:
            case Kind.NATIONAL:
                return Q()
            case Kind.PROVINCE:
                return Q(province_id=self.province)
            case Kind.TEAM | Kind.COMMUNE:
                return Q(province_id=self.province) & (
                    Q(communes__isnull=True) | Q(communes__code=self.commune)
                )
        return Q(pk__in=[])

    def household_exits(self) -> Q:
        """Which departures a phone must hear about: its team's (village handed over, household moved)
        and, for a commune, households erased there. Other kinds do not pull."""
        match self.kind:
            case Kind.TEAM:
                return Q(team_id=self.team)
            case Kind.COMMUNE:
                return Q(commune_id=self.commune, erased=True)
        return Q(pk__in=[])


def leads_team(user: User) -> bool:
    """A team leader with a team: reads what their team's members hand over (issue 22 §1, handoffs)."""
    return user.role == Role.TEAM_LEADER and user.scope.kind == Kind.TEAM
