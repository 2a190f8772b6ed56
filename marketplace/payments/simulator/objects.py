"""Stripe-shaped objects of the simulator: one builder per kind.

The API handlers build their answers with these, and so does the store API
used by the demo data (``SimulatorState.record_*``), so that an object
written by ``flask seed-demo`` is the same as one made through the API.
Keys starting with ``_`` are the simulator's own and never sent to clients.
"""
from __future__ import annotations

from typing import Any


def public(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def checkout_session(
    session_id: str, *, amount_total: int, currency: str, lines: list[dict], url: str, created: int,
    expires_at: int, success_url: str, cancel_url: str | None = None, metadata: dict | None = None,
    client_reference_id: str | None = None, customer_email: str | None = None, transfer_group: str | None = None,
    pi_metadata: dict | None = None,
) -> dict[str, Any]:
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": amount_total,
        "amount_total": amount_total,
        "currency": (currency or "eur").lower(),
        "client_reference_id": client_reference_id,
        "customer_email": customer_email,
        "created": created,
        "expires_at": expires_at,
        "livemode": False,
        "metadata": metadata or {},
        "mode": "payment",
        "payment_intent": None,
        "payment_status": "unpaid",
        "status": "open",
        "success_url": success_url,
        "cancel_url": cancel_url,
        "url": url,
        "_line_items": lines,
        "_transfer_group": transfer_group,
        "_pi_metadata": pi_metadata or {},
    }


def payment_intent(pi_id: str, *, amount: int, currency: str, charge_id: str, transfer_group: str | None,
                   metadata: dict | None, paid: bool, created: int) -> dict[str, Any]:
    return {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if paid else 0,
        "currency": currency,
        "status": "succeeded" if paid else "processing",
        "latest_charge": charge_id,
        "transfer_group": transfer_group,
        "metadata": metadata or {},
        "created": created,
        "livemode": False,
    }


def charge(charge_id: str, *, amount: int, currency: str, pi_id: str, transfer_group: str | None, paid: bool,
           created: int) -> dict[str, Any]:
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount if paid else 0,
        "amount_refunded": 0,
        "refunded": False,
        "currency": currency,
        "payment_intent": pi_id,
        "transfer_group": transfer_group,
        "paid": paid,
        "status": "succeeded" if paid else "pending",
        "created": created,
    }


def refund(refund_id: str, *, amount: int, charge_obj: dict[str, Any], metadata: dict | None, reason: str | None,
           created: int) -> dict[str, Any]:
    return {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "charge": charge_obj["id"],
        "currency": charge_obj["currency"],
        "payment_intent": charge_obj["payment_intent"],
        "metadata": metadata or {},
        "reason": reason,
        "status": "succeeded",
        "created": created,
    }


def apply_refund(charge_obj: dict[str, Any], amount: int) -> None:
    charge_obj["amount_refunded"] += amount
    charge_obj["refunded"] = charge_obj["amount_refunded"] >= charge_obj["amount"]


def transfer(transfer_id: str, *, amount: int, currency: str, destination: str, transfer_group: str | None,
             metadata: dict | None, created: int) -> dict[str, Any]:
    return {
        "id": transfer_id,
        "object": "transfer",
        "amount": amount,
        "amount_reversed": 0,
        "currency": (currency or "eur").lower(),
        "destination": destination,
        "transfer_group": transfer_group,
        "metadata": metadata or {},
        "reversed": False,
        "reversals": {"object": "list", "data": [], "has_more": False, "url": f"/v1/transfers/{transfer_id}/reversals"},
        "created": created,
        "livemode": False,
    }


def reversal(reversal_id: str, *, transfer_obj: dict[str, Any], amount: int, metadata: dict | None,
             created: int) -> dict[str, Any]:
    return {
        "id": reversal_id,
        "object": "transfer_reversal",
        "amount": amount,
        "currency": transfer_obj["currency"],
        "transfer": transfer_obj["id"],
        "metadata": metadata or {},
        "created": created,
    }


def apply_reversal(transfer_obj: dict[str, Any], reversal_obj: dict[str, Any]) -> None:
    transfer_obj["amount_reversed"] += reversal_obj["amount"]
    transfer_obj["reversed"] = transfer_obj["amount_reversed"] >= transfer_obj["amount"]
    transfer_obj["reversals"]["data"].append(reversal_obj)


def express_account(account_id: str, *, created: int, country: str = "FR", email: str | None = None,
                    business_type: str | None = None, business_profile: dict | None = None,
                    metadata: dict | None = None) -> dict[str, Any]:
    return {
        "id": account_id,
        "object": "account",
        "type": "express",
        "country": country or "FR",
        "email": email,
        "business_type": business_type,
        "business_profile": business_profile or {},
        "metadata": metadata or {},
        "capabilities": {"transfers": "inactive"},
        "charges_enabled": False,
        "payouts_enabled": False,
        "details_submitted": False,
        "requirements": {"currently_due": ["external_account", "tos_acceptance.date"],
                         "disabled_reason": "requirements.past_due"},
        "created": created,
    }


def complete_onboarding(account: dict[str, Any]) -> None:
    account.update(details_submitted=True, charges_enabled=True, payouts_enabled=True,
                   capabilities={"transfers": "active"}, requirements={"currently_due": [], "disabled_reason": None})
