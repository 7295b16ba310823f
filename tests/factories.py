"""factory-boy factories for the core and ROLLER models."""

import factory
from django.contrib.auth import get_user_model

from integrations.models import (
    Account,
    Connection,
    Contact,
    ContactSourceLink,
    Membership,
    Order,
    Product,
    SyncRun,
    WebhookEvent,
)
from integrations.roller.models import RollerSettings


class AccountFactory(factory.django.DjangoModelFactory[Account]):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def account(self, create, extracted, **kwargs):
        if create:
            self.save()
            Membership.objects.create(user=self, account=extracted or AccountFactory())


class ConnectionFactory(factory.django.DjangoModelFactory[Connection]):
    class Meta:
        model = Connection

    account = factory.SubFactory(AccountFactory)
    connector_type = "roller"
    name = factory.Sequence(lambda n: f"Venue {n}")
    status = Connection.Status.ACTIVE
    time_zone = "Europe/Amsterdam"
    country = "NL"
    currency = "EUR"


class RollerSettingsFactory(factory.django.DjangoModelFactory[RollerSettings]):
    class Meta:
        model = RollerSettings

    connection = factory.SubFactory(ConnectionFactory)
    environment = RollerSettings.Environment.SANDBOX
    custom_base_url = "http://127.0.0.1:8100"
    client_id = "sandbox-demo-client"
    client_secret = "sandbox-demo-secret"
    venue_id = "1001"
    venue_name = "Bounce Around Utrecht"
    venue_time_zone = "Europe/Amsterdam"
    venue_currency = "EUR"
    venue_country = "NL"
    webhook_key = factory.Sequence(lambda n: f"webhook-key-{n:04d}-abcdefghijklmnopqrstuvwxyz")


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    connection = factory.SubFactory(ConnectionFactory)
    email = factory.Sequence(lambda n: f"guest{n}@example.com")
    match_value = factory.LazyAttribute(lambda o: o.email)
    first_name = "Mia"
    last_name = "Jansen"


class ContactSourceLinkFactory(factory.django.DjangoModelFactory[ContactSourceLink]):
    class Meta:
        model = ContactSourceLink

    contact = factory.SubFactory(ContactFactory)
    connection = factory.LazyAttribute(lambda o: o.contact.connection)
    source_id = factory.Sequence(lambda n: str(27718000 + n))


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    connection = factory.SubFactory(ConnectionFactory)
    external_id = factory.Sequence(lambda n: str(107400 + n))
    name = factory.Sequence(lambda n: f"Jump session {n}")
    product_type = "sessionpass"
    price = "16.50"


class OrderFactory(factory.django.DjangoModelFactory[Order]):
    class Meta:
        model = Order

    contact = factory.SubFactory(ContactFactory)
    connection = factory.LazyAttribute(lambda o: o.contact.connection)
    external_id = factory.Faker("uuid4")
    reference = factory.Sequence(lambda n: str(5032000 + n))
    channel = Order.Channel.ONLINE
    source_channel = "Online"
    status = "Paid"
    total = "59.00"


class WebhookEventFactory(factory.django.DjangoModelFactory[WebhookEvent]):
    class Meta:
        model = WebhookEvent

    connection = factory.SubFactory(ConnectionFactory)
    message_id = factory.Faker("uuid4")
    object_type = "Booking"
    event_type = "Created"
    body = "{}"
    status = WebhookEvent.Status.PROCESSING


class SyncRunFactory(factory.django.DjangoModelFactory[SyncRun]):
    class Meta:
        model = SyncRun

    connection = factory.SubFactory(ConnectionFactory)
    stream = SyncRun.Stream.ORDERS
    kind = SyncRun.Kind.SCHEDULED
