"""Webhook deliveries, retried with exponential backoff by the task worker."""

from __future__ import annotations

from django_tasks import task

from .models import WebhookDelivery
from .webhooks import _enqueue, deliver_once


@task()
def webhook_deliver(delivery_id: int) -> str:
    """One attempt, then the next one queued for later (or, on a backend that cannot defer,
    such as the tests' immediate one, at once). Idempotent: a finished delivery is left."""
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    if delivery.state in (WebhookDelivery.State.DELIVERED, WebhookDelivery.State.FAILED):
        return str(delivery.state)
    if not delivery.webhook.is_active:
        return "inactive"
    if not deliver_once(delivery) and delivery.state == WebhookDelivery.State.RETRYING:
        _enqueue(delivery.pk, run_after=delivery.next_attempt_at)
    return str(delivery.state)
