"""The simulator's hosted pages (checkout, Connect onboarding): plain HTML, French."""
from __future__ import annotations

import html

from flask import Response


def checkout_html(session: dict, error: str | None) -> str:
    def euros(cents: int) -> str:
        return f"{cents / 100:,.2f} €".replace(",", " ").replace(".", ",")

    rows = "".join(
        f"<tr><td>{html.escape(line['description'])}</td><td class=num>× {line['quantity']}</td>"
        f"<td class=num>{euros(line['amount_total'])}</td></tr>"
        for line in session["_line_items"]
    )
    cancel = (
        f'<p><a href="{html.escape(session["cancel_url"])}">← Annuler et revenir à la boutique</a></p>'
        if session.get("cancel_url") else ""
    )
    err = f'<p class="error" role="alert" id="card-error">{html.escape(error)}</p>' if error else ""
    return f"""
<p class="muted">Environnement de test — aucun paiement réel n'est effectué.</p>
<table><tbody>{rows}</tbody>
<tfoot><tr><th colspan=2>Total</th><th class=num>{euros(session['amount_total'])}</th></tr></tfoot></table>
{f'<p class="muted">Reçu envoyé à {html.escape(session["customer_email"])}</p>' if session.get("customer_email") else ""}
<form method="post" novalidate>
  <label for="card">Numéro de carte</label>
  <input id="card" name="card" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242"
         {'aria-invalid="true" aria-describedby="card-error"' if error else ''} required>
  {err}
  <div class="row">
    <div><label for="exp">Expiration</label><input id="exp" name="exp" placeholder="MM / AA" value="12 / 34"></div>
    <div><label for="cvc">CVC</label><input id="cvc" name="cvc" placeholder="123" value="123"></div>
  </div>
  <button type="submit">Payer {euros(session['amount_total'])}</button>
</form>
<p class="muted small">Cartes de test : 4242 4242 4242 4242 (paiement accepté), 4000 0000 0000 0002 (carte refusée),
4000 0000 0000 9995 (paiement différé).</p>
{cancel}"""


def page(title: str, body: str, status: int = 200) -> Response:
    page = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)} · Stripe (simulateur)</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f6f9fc;color:#1a1f36;margin:0}}
main{{max-width:440px;margin:2rem auto;background:#fff;padding:1.5rem 1.75rem;border-radius:10px;box-shadow:0 2px 12px #0002}}
h1{{font-size:1.3rem;margin-top:0}} .badge{{background:#635bff;color:#fff;border-radius:4px;padding:.1rem .4rem;font-size:.75rem}}
table{{width:100%;border-collapse:collapse;margin:1rem 0}} td,th{{padding:.4rem 0;border-bottom:1px solid #e3e8ee;text-align:left}}
.num{{text-align:right;white-space:nowrap;padding-left:.75rem}} label{{display:block;font-weight:600;margin:.8rem 0 .3rem}}
input{{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #c1c9d2;border-radius:6px;font-size:1rem}}
.row{{display:flex;gap:1rem}} .row>div{{flex:1}}
button{{margin-top:1.2rem;width:100%;padding:.75rem;border:0;border-radius:6px;background:#635bff;color:#fff;font-size:1rem;cursor:pointer}}
button.secondary{{background:#e3e8ee;color:#1a1f36}} button:focus,input:focus,a:focus{{outline:3px solid #9e9aff;outline-offset:2px}}
.error{{color:#c0123c;font-weight:600}} .muted{{color:#5c6b7a}} .small{{font-size:.85rem}}
</style></head><body><main><h1>{html.escape(title)} <span class="badge">TEST</span></h1>{body}</main></body></html>"""
    return Response(page, status=status, mimetype="text/html")


def onboarding_html(account: dict) -> str:
    email = f" — {html.escape(account['email'])}" if account.get("email") else ""
    return (
        f"<p>Compte connecté <code>{html.escape(account['id'])}</code>{email}.</p>"
        "<p>Dans Stripe, la structure renseignerait ici son identité, son représentant légal et son IBAN.</p>"
        '<form method="post"><button name="action" value="complete">Valider les informations (simulation)</button> '
        '<button name="action" value="later" class="secondary">Terminer plus tard</button></form>'
    )
