"""Demo world, meters part: ~50 customers with premises and meters in Texas, a few who moved
out. In-home devices come from meters.han_demo, through the real services."""

from datetime import date, timedelta

from portal import demo as portal_demo
from portal.models import User

from .models import Meter, Occupancy, Premise

FIRST_NAMES = [
    "Alice",
    "Ben",
    "Carmen",
    "Daniel",
    "Elena",
    "Frank",
    "Grace",
    "Hector",
    "Isabel",
    "Jamal",
    "Kim",
    "Luis",
    "Maria",
    "Nathan",
    "Olivia",
    "Pedro",
    "Quinn",
    "Rosa",
    "Samuel",
    "Tanya",
    "Umar",
    "Valeria",
    "Wes",
    "Ximena",
    "Yusuf",
]
LAST_NAMES = ["Garcia", "Nguyen", "Smith", "Johnson", "Martinez", "Brown", "Lopez", "Patel", "Williams", "Davis"]
STREETS = [
    "Congress Ave",
    "Lamar Blvd",
    "Guadalupe St",
    "Burnet Rd",
    "Oltorf St",
    "Riverside Dr",
    "Airport Blvd",
    "Westheimer Rd",
    "Montrose Blvd",
    "Main St",
    "Greenville Ave",
    "Alamo St",
]
CITIES = [
    ("Austin", "78701"),
    ("Austin", "78704"),
    ("Austin", "78745"),
    ("Houston", "77006"),
    ("Houston", "77019"),
    ("Dallas", "75206"),
    ("San Antonio", "78205"),
]
CUSTOMER_COUNT = 50


def seed(world) -> None:
    rng = world.rng
    label_partners = world.objects["label_partners"]
    customers, premises = [], []
    for number in range(1, CUSTOMER_COUNT + 1):
        first, last = FIRST_NAMES[(number - 1) % len(FIRST_NAMES)], rng.choice(LAST_NAMES)
        label_partner = label_partners[0] if number % 3 else label_partners[1]
        customer = User.objects.create_user(
            email=f"{first.lower()}.{last.lower()}{number}@customers.demo.metergate.test",
            password=world.password,
            full_name=f"{first} {last}",
            external_account_id=f"CUST{number:06d}",
            label_partner=label_partner,
        )
        customers.append(customer)
        for extra in range(2 if number % 10 == 1 else 1):  # every tenth customer has two premises
            city, postal_code = rng.choice(CITIES)
            premise = Premise.objects.create(
                esiid=f"1044372{number:06d}{extra:04d}",
                external_id=f"INST{number:05d}{extra}",
                service_address=f"{rng.randint(100, 9800)} {rng.choice(STREETS)}",
                city=city,
                postal_code=postal_code,
                label_partner=label_partner,
                dwelling_type=rng.choice(list(Premise.DwellingType.values)[:5]),
                floor_area_m2=rng.randint(55, 320),
                occupants=rng.randint(1, 6),
                heating_type=rng.choice(list(Premise.HeatingType.values)[:3]),
            )
            Meter.objects.create(
                premise=premise,
                meter_number=f"{rng.randint(100, 999)}{number:05d}{extra}LG",
                installed_on=date(2019, 1, 1) + timedelta(days=rng.randint(0, 900)),
            )
            if number % 7 == 0:
                Meter.objects.create(
                    premise=premise,
                    meter_number=f"G{number:06d}{extra}",
                    commodity=Meter.Commodity.GAS,
                    installed_on=date(2018, 6, 1),
                )
            move_in = date(2021, 1, 1) + timedelta(days=rng.randint(0, 1200))
            Occupancy.objects.create(
                customer=customer,
                premise=premise,
                account_number=f"{rng.randint(10**9, 10**10 - 1)}",
                authorization_code=f"{rng.randint(100000, 999999)}",
                move_in=move_in,
            )
            premises.append(premise)
    _seed_moved_out(world, customers, premises)
    portal_demo.seed_ratings(world, customers)
    world.objects.update(customers=customers, premises=premises)


def _seed_moved_out(world, customers, premises) -> None:
    """Five premises changed hands: the first occupant moved out and a new one moved in."""
    for index, premise in enumerate(premises[5:10]):
        current = Occupancy.objects.get(premise=premise, move_out__isnull=True)
        current.move_out = current.move_in + timedelta(days=300)
        current.move_out_reason = "Moved out (demo)"
        current.save()
        Occupancy.objects.create(
            customer=customers[-1 - index],
            premise=premise,
            account_number=f"99{index:08d}",
            authorization_code=f"77{index:04d}",
            move_in=current.move_out + timedelta(days=1),
        )
