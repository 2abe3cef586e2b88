"""Demo world, accounts part: label partners, staff, third parties with their users, ratings.
Customers are created with their premises (meters.demo)."""

from .models import LabelPartner, ThirdParty, ThirdPartyMembership, ThirdPartyRating, User

STAFF_EMAIL = "admin@demo.metergate.test"

THIRD_PARTIES = [
    {
        "key": "brightside",
        "name": "Brightside Energy Apps",
        "registration_number": "TX-REG-100234",
        "website": "https://brightside.example",
        "privacy_policy_url": "https://brightside.example/privacy",
        "privacy_seal_attested": True,
        "contact_email": "partners@brightside.example",
    },
    {
        "key": "texasretail",
        "name": "Texas Retail Power",
        "registration_number": "PUCT-REP-10177",
        "website": "https://texasretailpower.example",
        "privacy_policy_url": "https://texasretailpower.example/privacy",
        "privacy_seal_attested": False,
        "contact_email": "edi@texasretailpower.example",
    },
    {
        "key": "research",
        "name": "Gulf Energy Research Lab",
        "registration_number": "EDU-55120",
        "website": "https://energyresearch.example",
        "privacy_policy_url": "https://energyresearch.example/data-policy",
        "privacy_seal_attested": True,
        "contact_email": "data@energyresearch.example",
    },
]


def seed(world) -> None:
    lonestar = LabelPartner.objects.create(code="lonestar", name="Lone Star Power & Light", country="US")
    gulfcoast = LabelPartner.objects.create(code="gulfcoast", name="Gulf Coast Energy", country="US")
    world.objects["label_partners"] = [lonestar, gulfcoast]

    User.objects.create_superuser(email=STAFF_EMAIL, password=world.password, full_name="Demo Administrator")

    third_parties = {}
    for spec in THIRD_PARTIES:
        values = {key: value for key, value in spec.items() if key != "key"}
        third_party = ThirdParty.objects.create(**values)
        for role in (ThirdPartyMembership.Role.ADMIN, ThirdPartyMembership.Role.AGENT):
            user = User.objects.create_user(
                email=f"{role}@{spec['key']}.demo.metergate.test",
                password=world.password,
                full_name=f"{spec['name']} {role.label}",
            )
            ThirdPartyMembership.objects.create(user=user, third_party=third_party, role=role)
        third_parties[spec["key"]] = third_party
    # The research lab works only with Lone Star's customers.
    third_parties["research"].label_partners.add(lonestar)
    world.objects["third_parties"] = third_parties


def seed_ratings(world, customers) -> None:
    """Ratings come once customers exist (called by meters.demo)."""
    rng = world.rng
    for customer in customers[:18]:
        for third_party in rng.sample(list(world.objects["third_parties"].values()), k=rng.randint(0, 2)):
            ThirdPartyRating.objects.create(
                customer=customer, third_party=third_party, stars=rng.choice([3, 4, 4, 5, 5, 2])
            )


def collect_logins(world) -> None:
    """The logins to print: one of each role, first customers first."""
    world.login("staff (admin site)", STAFF_EMAIL, "lands on /admin/")
    for spec in THIRD_PARTIES:
        world.login(f"third party ({spec['key']})", f"admin@{spec['key']}.demo.metergate.test", spec["name"])
    customers = User.objects.filter(email__endswith="@customers.demo.metergate.test")
    for customer in customers.order_by("external_account_id")[:3]:
        world.login("customer", customer.email, customer.full_name)
