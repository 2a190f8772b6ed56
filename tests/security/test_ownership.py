"""Object ownership: every endpoint that takes an object in its URL, played by its owner and by
people who do not own the object (vendor B on vendor A's offers, orders, documents; another
consumer on a customer's order; a recused committee member on the dossier; anonymous).

Each case is one line of ``CASES``. Owners get a normal answer (the URL is right); every
other person gets 403 or 404 (anonymous: the login page), never a 200, and the database
is left exactly as it was. A new endpoint with an object in its URL and no case fails
``test_every_object_endpoint_has_a_case`` until a case (or a reasoned exemption) is added.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.security.conftest import PROCUREMENT, changed_tables, snapshot

# Who may not touch vendor A's things.
OUTSIDERS = ("anonymous", "consumer", "customer", "owner_b", "buyer", "member")
# …and what only vendor A's owner may do (staff may not).
NOT_OWNERS = (*OUTSIDERS, "staff_a")
# Who may not see the customer's order.
ORDER_OUTSIDERS = ("anonymous", "consumer", "owner_a", "staff_a", "owner_b", "buyer", "member")
# Who may not act on the dossier in review (the recused, the applicant, other roles).
DOSSIER_OUTSIDERS = ("anonymous", "consumer", "owner_c", "owner_a", "buyer", "admin", "recused", "chair_recused")
VENDOR_SIDE = ("owner_a", "staff_a", "admin")
BID_SIDE = ("owner_a", "staff_a")  # bids are sealed from administrators too
# Who may not see or touch the buyer's (organisation X's) requests, tenders and orders.
BUYER_OUTSIDERS = ("anonymous", "consumer", "buyer_b", "owner_a", "owner_b", "member")

ALLOWED_STATUSES = {200, 301, 302, 303, 400, 422}
LOGIN = "/compte/connexion"


@dataclass(frozen=True)
class Case:
    endpoint: str
    url: str  # formatted with the world's ids: {vendor_a}, {offer_a}, …
    method: str = "GET"
    allowed: tuple[str, ...] = ("owner_a",)
    refused: tuple[str, ...] = OUTSIDERS
    data: tuple[tuple[str, str], ...] = ()
    # Answers that also count as a refusal (with the database unchanged), besides 403/404.
    refusal: frozenset[int] = frozenset({403, 404})
    fixtures: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.method} {self.endpoint} {self.url}"


V = "/espace-fournisseur/{vendor_a}"
VB = "/espace-fournisseur/{vendor_b}"  # vendor B's own space, with vendor A's object ids
DOSSIER = "/comite/dossiers/{dossier_c}"
STRIPE = ("stripe_simulator",)
Q = "/compte/professionnels/devis"
T = "/compte/professionnels/appels-d-offres"

CASES = [
    # ---- the dossier of vendor A
    Case("vendors.application", V + "/dossier", allowed=VENDOR_SIDE),
    Case("vendors.application", V + "/dossier/candidature-{application_a}", allowed=VENDOR_SIDE),
    Case("vendors.application", VB + "/dossier/candidature-{application_a}", allowed=(), refused=("owner_b",)),
    Case("vendors.edit_identity", V + "/dossier/identite", allowed=VENDOR_SIDE),
    Case("vendors.edit_identity", V + "/dossier/identite", "POST", data=(("name", "Nom détourné"),)),
    Case("vendors.edit_territory", V + "/dossier/territoire", allowed=VENDOR_SIDE),
    Case("vendors.edit_territory", V + "/dossier/territoire", "POST", data=(("commune", "Ailleurs"),)),
    Case("vendors.edit_activity", V + "/dossier/activite", allowed=VENDOR_SIDE),
    Case("vendors.edit_activity", V + "/dossier/activite", "POST", data=(("description", "Détournée"),)),
    Case("vendors.edit_commitments", V + "/dossier/engagements", allowed=VENDOR_SIDE),
    Case("vendors.edit_commitments", V + "/dossier/engagements", "POST"),
    Case("vendors.edit_documents", V + "/dossier/documents", allowed=VENDOR_SIDE),
    Case("vendors.edit_documents", V + "/dossier/documents", "POST", data=(("kind", "statutes"),)),
    Case("vendors.delete_document", V + "/dossier/documents/{document_a}/supprimer", allowed=VENDOR_SIDE),
    Case("vendors.delete_document", V + "/dossier/documents/{document_a}/supprimer", "POST"),
    Case("vendors.delete_document", VB + "/dossier/documents/{document_a}/supprimer", "POST", allowed=(),
         refused=("owner_b",)),
    Case("vendors.edit_charter", V + "/dossier/charte", allowed=VENDOR_SIDE),
    Case("vendors.edit_charter", V + "/dossier/charte", "POST"),
    Case("vendors.submit", V + "/dossier/deposer", "POST"),
    Case("vendors.resubmit", V + "/dossier/repondre", "POST", data=(("answer", "Réponse détournée"),)),
    Case("vendors.withdraw", V + "/dossier/retirer", allowed=VENDOR_SIDE),
    Case("vendors.withdraw", V + "/dossier/retirer", "POST"),
    Case("vendors.new_application", V + "/nouvelle-candidature", "POST"),
    Case("vendors.renew", V + "/renouvellement", "POST"),
    Case("vendors.document", "/documents/{document_a}", allowed=(*VENDOR_SIDE, "member"),
         refused=("anonymous", "consumer", "customer", "owner_b", "buyer")),
    # ---- the team of vendor A: the owner manages it, staff only read it
    Case("vendors.team", V + "/equipe", allowed=VENDOR_SIDE),
    Case("vendors.invite", V + "/equipe/inviter", "POST", refused=NOT_OWNERS, data=(("email", "x@exemple.fr"),)),
    Case("vendors.cancel_invitation", V + "/equipe/invitations/{invitation_a}/annuler", "POST", refused=NOT_OWNERS),
    Case("vendors.remove_member", V + "/equipe/{membership_staff_a}/retirer", refused=NOT_OWNERS),
    Case("vendors.remove_member", V + "/equipe/{membership_staff_a}/retirer", "POST", refused=NOT_OWNERS),
    Case("vendors.remove_member", VB + "/equipe/{membership_staff_a}/retirer", "POST", allowed=(),
         refused=("owner_b",)),
    # An invitation is accepted only by the invited address: others are sent back to it.
    Case("vendors.accept_invitation", "/invitation/{invitation_token}/accepter", "POST", allowed=(),
         refused=("consumer", "owner_b", "staff_a", "buyer", "member"), refusal=frozenset({302})),
    # ---- the offers of vendor A
    Case("catalogue.vendor_offers", V + "/offres", allowed=VENDOR_SIDE),
    Case("catalogue.new_offer", V + "/offres/nouvelle", allowed=VENDOR_SIDE),
    Case("catalogue.new_offer", V + "/offres/nouvelle", "POST", data=(("title", "Offre détournée"),)),
    Case("catalogue.edit_offer", V + "/offres/{offer_a}", allowed=VENDOR_SIDE),
    Case("catalogue.edit_offer", V + "/offres/{offer_a}", "POST", data=(("title", "Titre détourné"),)),
    Case("catalogue.edit_offer", VB + "/offres/{offer_a}", "POST", allowed=(), refused=("owner_b",),
         data=(("title", "Titre détourné"),)),
    Case("catalogue.publish", V + "/offres/{draft_a}/publier", "POST"),
    Case("catalogue.publish", VB + "/offres/{draft_a}/publier", "POST", allowed=(), refused=("owner_b",)),
    Case("catalogue.unpublish", V + "/offres/{offer_a}/retirer", "POST"),
    Case("catalogue.archive", V + "/offres/{offer_a}/archiver", allowed=VENDOR_SIDE),
    Case("catalogue.archive", V + "/offres/{offer_a}/archiver", "POST"),
    Case("catalogue.offer_images", V + "/offres/{draft_a}/photos", allowed=VENDOR_SIDE),
    Case("catalogue.offer_images", V + "/offres/{draft_a}/photos", "POST"),
    Case("catalogue.main_image", V + "/offres/{draft_a}/photos/{image_a2}/principale", "POST"),
    Case("catalogue.delete_image", V + "/offres/{draft_a}/photos/{image_a}/supprimer", allowed=VENDOR_SIDE),
    Case("catalogue.delete_image", V + "/offres/{draft_a}/photos/{image_a}/supprimer", "POST"),
    Case("catalogue.delete_image", VB + "/offres/{draft_a}/photos/{image_a}/supprimer", "POST", allowed=(),
         refused=("owner_b",)),
    # A draft offer and its photos are seen by its structure only.
    Case("catalogue.offer", "/offres/{draft_a}", allowed=VENDOR_SIDE),
    Case("catalogue.image", "/catalogue/photos/{photo_a}", allowed=VENDOR_SIDE),
    # ---- the orders of vendor A
    Case("shop.vendor_orders", V + "/commandes", allowed=VENDOR_SIDE),
    Case("shop.vendor_order", V + "/commandes/{vendor_order_a}", allowed=VENDOR_SIDE),
    Case("shop.vendor_order", VB + "/commandes/{vendor_order_a}", allowed=(), refused=("owner_b",)),
    Case("shop.vendor_order_status", V + "/commandes/{vendor_order_a}/statut", "POST",
         data=(("action", "preparing"),)),
    Case("shop.vendor_order_status", VB + "/commandes/{vendor_order_a}/statut", "POST", allowed=(),
         refused=("owner_b",), data=(("action", "preparing"),)),
    Case("shop.vendor_cancel", V + "/commandes/{vendor_order_a}/annuler", allowed=VENDOR_SIDE),
    Case("shop.vendor_cancel", V + "/commandes/{vendor_order_a}/annuler", "POST", allowed=(),
         data=(("reason", "Annulation détournée par un tiers."),)),
    Case("sales.sales_dashboard", V + "/ventes", allowed=VENDOR_SIDE),
    Case("sales.sales_export", V + "/ventes/export.csv", allowed=VENDOR_SIDE),
    Case("payments.payouts", V + "/versements", allowed=VENDOR_SIDE),
    Case("payments.start_onboarding", V + "/versements/stripe", "POST", refused=NOT_OWNERS, fixtures=STRIPE),
    Case("payments.onboarding_refresh", V + "/versements/stripe/relancer", refused=NOT_OWNERS, fixtures=STRIPE),
    Case("payments.onboarding_return", V + "/versements/stripe/retour", fixtures=STRIPE),
    # ---- the customer's order, its invoice and credit note
    Case("shop.my_order", "/mes-commandes/{group}", allowed=("customer", "admin"), refused=ORDER_OUTSIDERS),
    Case("shop.consumer_cancel", "/mes-commandes/{group}/partie/{vendor_order_a}/annuler", allowed=("customer",),
         refused=ORDER_OUTSIDERS),
    Case("shop.consumer_cancel", "/mes-commandes/{group}/partie/{vendor_order_a}/annuler", "POST", allowed=(),
         refused=ORDER_OUTSIDERS),
    Case("shop.invoice", "/factures/{invoice_a}", allowed=("customer", *VENDOR_SIDE),
         refused=("anonymous", "consumer", "owner_b", "buyer", "member")),
    Case("shop.credit_note", "/avoirs/{credit_note_a}", allowed=("customer", *VENDOR_SIDE),
         refused=("anonymous", "consumer", "owner_b", "buyer", "member")),
    Case("shop.checkout_success", "/commande/confirmation?session_id={pending_session}", allowed=("customer",),
         refused=ORDER_OUTSIDERS),
    Case("shop.checkout_cancel", "/commande/paiement-abandonne?session_id={pending_session}", allowed=(),
         refused=ORDER_OUTSIDERS),
    # Another person's cart line: not found in their own cart (or no cart at all).
    Case("shop.update_line", "/panier/ligne/{cart_line}", "POST", allowed=("customer",),
         refused=("anonymous", "consumer", "owner_a", "owner_b"), data=(("quantity", "3"),),
         refusal=frozenset({302, 404})),
    Case("shop.remove_line", "/panier/ligne/{cart_line}/retirer", "POST", allowed=("customer",),
         refused=("anonymous", "consumer", "owner_a", "owner_b"), refusal=frozenset({302, 400, 404})),
    # ---- the committee: the dossier in review, where "recused" and "chair_recused" declared a conflict
    Case("committee.dossier", DOSSIER, allowed=("member", "recused", "chair", "admin"),
         refused=("anonymous", "consumer", "owner_c", "owner_a", "buyer")),
    Case("committee.dossier", "/comite/dossiers/{draft_d}", allowed=(), refused=("member", "chair", "admin")),
    Case("committee.review", DOSSIER + "/avis", "POST", allowed=("member",), refused=DOSSIER_OUTSIDERS,
         data=(("opinion", "favorable"), ("comment", "Avis."))),
    Case("committee.recuse", DOSSIER + "/conflit-interets", "POST", allowed=("member",), refused=DOSSIER_OUTSIDERS,
         data=(("reason", "Lien familial."), ("confirm_recusal", "y"))),
    Case("committee.ask", DOSSIER + "/question", "POST", allowed=("member",), refused=DOSSIER_OUTSIDERS,
         data=(("question", "Une question détournée ?"),)),
    Case("committee.decide", DOSSIER + "/decision", "POST", allowed=("chair",),
         refused=(*DOSSIER_OUTSIDERS, "member"),
         data=(("outcome", "approved"), ("motivation", "Décision détournée."), ("confirm_decision", "y"))),
    Case("committee.suspend", "/comite/structures/{vendor_a}/suspendre", allowed=("member",),
         refused=("anonymous", "consumer", "owner_a", "buyer", "admin")),
    Case("committee.suspend", "/comite/structures/{vendor_a}/suspendre", "POST", allowed=(),
         refused=("anonymous", "consumer", "owner_a", "staff_a", "buyer", "admin"),
         data=(("reason", "Suspension détournée."),)),
    Case("committee.reinstate", "/comite/structures/{vendor_a}/retablir", "POST", allowed=(),
         refused=("anonymous", "consumer", "owner_a", "buyer", "admin"), data=(("note", "Rétablie."),)),
    # ---- a candidate's public profile does not exist for the public
    Case("vendors.profile", "/fournisseurs/{vendor_c_slug}", allowed=(), refused=("anonymous", "consumer", "owner_b")),
    # ---- procurement: the buyer's quote requests (buyer_b is another organisation's buyer)
    Case("quotes.request_detail", Q + "/{request}", allowed=("buyer", "admin"), refused=BUYER_OUTSIDERS),
    Case("quotes.edit_request", Q + "/{draft_request}/modifier", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("quotes.edit_request", Q + "/{draft_request}/modifier", "POST", allowed=("buyer",), refused=BUYER_OUTSIDERS,
         data=(("title", "Demande détournée"),)),
    Case("quotes.publish_request", Q + "/{draft_request}/envoyer", "POST", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("quotes.cancel_request", Q + "/{request}/annuler", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("quotes.cancel_request", Q + "/{request}/annuler", "POST", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("quotes.quote_detail", Q + "/{request}/devis/{quote}", allowed=("buyer", "admin"), refused=BUYER_OUTSIDERS),
    Case("quotes.accept_quote", Q + "/{request}/devis/{quote}/accepter", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("quotes.accept_quote", Q + "/{request}/devis/{quote}/accepter", "POST", allowed=(),
         refused=(*BUYER_OUTSIDERS, "admin")),
    Case("quotes.buyer_thread", Q + "/{request}/messages/{vendor_a}", allowed=("buyer", "admin"),
         refused=BUYER_OUTSIDERS),
    Case("quotes.buyer_thread", Q + "/{request}/messages/{vendor_a}", "POST", allowed=("buyer",),
         refused=BUYER_OUTSIDERS, data=(("body", "Message détourné"),)),
    Case("quotes.download", "/devis/pieces-jointes/{request_file}", allowed=("buyer", "owner_a", "staff_a", "admin"),
         refused=("anonymous", "consumer", "buyer_b", "owner_b", "member")),
    # ---- the quotes of vendor A (vendor B was not asked)
    Case("quotes.vendor_inbox", V + "/devis", allowed=VENDOR_SIDE, refused=(*OUTSIDERS, "buyer_b")),
    Case("quotes.vendor_request", V + "/devis/{request}", allowed=VENDOR_SIDE),
    Case("quotes.vendor_request", VB + "/devis/{request}", allowed=(), refused=("owner_b",)),
    Case("quotes.quote_form", V + "/devis/{request}/repondre", allowed=VENDOR_SIDE),
    Case("quotes.quote_form", VB + "/devis/{request}/repondre", "POST", allowed=(), refused=("owner_b",)),
    Case("quotes.decline", V + "/devis/{request}/decliner", allowed=VENDOR_SIDE),
    Case("quotes.decline", V + "/devis/{request}/decliner", "POST"),
    Case("quotes.withdraw", V + "/devis/{request}/retirer", allowed=VENDOR_SIDE),
    Case("quotes.withdraw", V + "/devis/{request}/retirer", "POST"),
    Case("quotes.vendor_message", V + "/devis/{request}/messages", "POST", data=(("body", "Message détourné"),)),
    Case("quotes.vendor_message", VB + "/devis/{request}/messages", "POST", allowed=(), refused=("owner_b",),
         data=(("body", "Message détourné"),)),
    # ---- the professional order born of an accepted quote
    Case("shop.pro_order", "/compte/professionnels/commandes/{pro_order}", allowed=("buyer",),
         refused=BUYER_OUTSIDERS),
    Case("shop.record_pro_payment", V + "/commandes/{pro_order}/paiement-recu", "POST", allowed=("owner_a",),
         refused=(*OUTSIDERS, "buyer_b")),
    Case("shop.record_pro_payment", VB + "/commandes/{pro_order}/paiement-recu", "POST", allowed=(),
         refused=("owner_b",)),
    # ---- the buyer's tenders
    Case("tenders.detail", "/appels-d-offres/{draft_tender}", allowed=(),
         refused=("anonymous", "consumer", "owner_a", "buyer_b")),
    Case("tenders.document", "/appels-d-offres/{tender}/documents/{tender_document}", allowed=("anonymous", "owner_a"),
         refused=()),
    Case("tenders.document", "/appels-d-offres/{draft_tender}/documents/{tender_document}", allowed=(),
         refused=("anonymous", "owner_a", "buyer_b")),
    Case("tenders.ask", "/appels-d-offres/{tender}/questions", "POST", allowed=("owner_a",),
         refused=("anonymous", "consumer", "buyer", "buyer_b"), data=(("body", "Une question ?"),)),
    Case("tenders.ask", "/appels-d-offres/{draft_tender}/questions", "POST", allowed=(), refused=("owner_a", "owner_b"),
         data=(("body", "Une question ?"),)),
    Case("tenders.manage", T + "/{tender}", allowed=("buyer", "admin"), refused=BUYER_OUTSIDERS),
    Case("tenders.edit", T + "/{draft_tender}/modifier", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.edit", T + "/{draft_tender}/modifier", "POST", allowed=("buyer",), refused=BUYER_OUTSIDERS,
         data=(("title", "Titre détourné"),)),
    Case("tenders.lots", T + "/{draft_tender}/lots", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.lots", T + "/{draft_tender}/lots", "POST", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.criteria", T + "/{draft_tender}/criteres", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.criteria", T + "/{draft_tender}/criteres", "POST", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.documents", T + "/{tender}/documents", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.documents", T + "/{tender}/documents", "POST", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.delete_document", T + "/{tender}/documents/{tender_document}/supprimer", allowed=("buyer",),
         refused=BUYER_OUTSIDERS),
    Case("tenders.delete_document", T + "/{tender}/documents/{tender_document}/supprimer", "POST",
         allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.publish", T + "/{draft_tender}/publier", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.publish", T + "/{draft_tender}/publier", "POST", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.delete", T + "/{draft_tender}/supprimer", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.delete", T + "/{draft_tender}/supprimer", "POST", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.cancel", T + "/{tender}/annuler", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.cancel", T + "/{tender}/annuler", "POST", allowed=("buyer",), refused=BUYER_OUTSIDERS,
         data=(("reason", "Annulation détournée"),)),
    Case("tenders.amend", T + "/{tender}/avis-rectificatif", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.amend", T + "/{tender}/avis-rectificatif", "POST", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.questions_page", T + "/{tender}/questions", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.answer", T + "/{tender}/questions/{question}/repondre", "POST", allowed=("buyer",),
         refused=BUYER_OUTSIDERS, data=(("answer", "Réponse détournée"),)),
    Case("tenders.start_evaluation", T + "/{tender}/analyse", "POST", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("tenders.vendor_space", V + "/appels-d-offres", allowed=VENDOR_SIDE),
    Case("tenders.vendor_space", V + "/appels-d-offres", "POST", data=(("keywords", "nettoyage"),)),
    Case("tenders.delete_alert", V + "/appels-d-offres/alertes/{alert}/supprimer", refused=NOT_OWNERS),
    Case("tenders.delete_alert", V + "/appels-d-offres/alertes/{alert}/supprimer", "POST", refused=NOT_OWNERS),
    Case("tenders.delete_alert", VB + "/appels-d-offres/alertes/{alert}/supprimer", "POST", allowed=(),
         refused=("owner_b",)),
    # ---- the bids of vendor A: sealed from the buyer until the deadline; vendor B is only invited
    Case("bids.my_bids", V + "/reponses", allowed=BID_SIDE),
    Case("bids.bid", V + "/reponses/{bid}", allowed=BID_SIDE),
    Case("bids.bid", VB + "/reponses/{sealed_bid}", allowed=(), refused=("owner_b",)),
    Case("bids.edit", V + "/reponses/{bid}/modifier", allowed=BID_SIDE),
    Case("bids.edit", V + "/reponses/{bid}/modifier", "POST", data=(("technical_memo", "Mémoire détourné"),)),
    Case("bids.edit", VB + "/reponses/{bid}/modifier", "POST", allowed=(), refused=("owner_b",),
         data=(("technical_memo", "Mémoire détourné"),)),
    Case("bids.set_mode", V + "/reponses/{bid}/forme", "POST", data=(("mode", "conjoint"),)),
    Case("bids.invite", V + "/reponses/{bid}/inviter", "POST", data=(("vendor_id", "{vendor_c}"),)),
    Case("bids.remove_member", V + "/reponses/{bid}/membres/{invitation_b}/retirer", allowed=BID_SIDE),
    Case("bids.remove_member", V + "/reponses/{bid}/membres/{invitation_b}/retirer", "POST"),
    Case("bids.remove_memo", V + "/reponses/{bid}/fichier/supprimer", "POST"),
    Case("bids.memo_file", "/offres/{bid}/memoire", allowed=("owner_a", "staff_a"),
         refused=("anonymous", "consumer", "buyer", "buyer_b", "member")),
    Case("bids.letter", V + "/reponses/{sealed_bid}/lettre", allowed=()),  # a letter exists once the lot is decided
    Case("bids.submit", V + "/reponses/{bid}/deposer", "POST"),
    Case("bids.withdraw", V + "/reponses/{sealed_bid}/retirer", allowed=BID_SIDE),
    Case("bids.withdraw", V + "/reponses/{sealed_bid}/retirer", "POST"),
    Case("bids.reopen", V + "/reponses/{sealed_bid}/reprendre", allowed=BID_SIDE),
    Case("bids.reopen", V + "/reponses/{sealed_bid}/reprendre", "POST"),
    Case("bids.accept", "/espace-fournisseur/{vendor_b}/invitations/{invitation_b}/accepter", "POST",
         allowed=("owner_b",), refused=("anonymous", "consumer", "owner_a", "buyer", "member")),
    Case("bids.accept", V + "/invitations/{invitation_b}/accepter", "POST", allowed=(), refused=("owner_a",)),
    Case("bids.decline", "/espace-fournisseur/{vendor_b}/invitations/{invitation_b}/decliner", allowed=("owner_b",),
         refused=("anonymous", "consumer", "owner_a", "buyer", "member")),
    Case("bids.decline", "/espace-fournisseur/{vendor_b}/invitations/{invitation_b}/decliner", "POST",
         allowed=("owner_b",), refused=("anonymous", "consumer", "owner_a", "buyer", "member")),
    Case("bids.close_notice", "/appels-d-offres/partenaires/{notice}/clore", "POST",
         refused=("anonymous", "consumer", "owner_b", "buyer")),
    Case("bids.invite_offer", "/appels-d-offres/partenaires/propositions/{join_offer}/inviter", "POST",
         refused=("anonymous", "consumer", "owner_b", "buyer")),
    Case("bids.offer_join", "/appels-d-offres/partenaires/{notice}/proposer", allowed=("owner_b",),
         refused=("anonymous", "consumer", "buyer")),
    # The buyer reads bids only once the tender is under evaluation, never a sealed one.
    Case("bids.buyer_bid", T + "/{tender}/offres/{sealed_bid}", allowed=(), refused=(*BUYER_OUTSIDERS, "buyer")),
    Case("bids.evaluation", T + "/{evaluated}/offres", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("bids.buyer_bid", T + "/{evaluated}/offres/{opened_bid}", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("bids.score", T + "/{evaluated}/offres/{opened_bid}/notes", "POST", allowed=("buyer",),
         refused=BUYER_OUTSIDERS),
    Case("bids.set_admissibility", T + "/{evaluated}/offres/{opened_bid}/recevabilite", "POST", allowed=("buyer",),
         refused=BUYER_OUTSIDERS, data=(("admissible", "non"), ("reason", "Pièce manquante."))),
    Case("bids.evaluate_lot", T + "/{evaluated}/lots/{evaluated_lot}/analyse", allowed=("buyer",),
         refused=BUYER_OUTSIDERS),
    Case("bids.award", T + "/{evaluated}/lots/{evaluated_lot}/attribuer", allowed=("buyer",), refused=BUYER_OUTSIDERS),
    Case("bids.award", T + "/{evaluated}/lots/{evaluated_lot}/attribuer", "POST", allowed=(), refused=BUYER_OUTSIDERS),
    Case("bids.unsuccessful", T + "/{evaluated}/lots/{evaluated_lot}/infructueux", allowed=("buyer",),
         refused=BUYER_OUTSIDERS),
    Case("bids.unsuccessful", T + "/{evaluated}/lots/{evaluated_lot}/infructueux", "POST", allowed=(),
         refused=BUYER_OUTSIDERS),
]

# Endpoints with an argument in their URL that is not an object someone owns, and why.
NOT_OWNED = {
    "static": "public files",
    "catalogue.category": "a public category, by slug",
    "vendors.logo": "the logo of a public profile (by slug)",
    "vendors.invitation": "the invitation page: its secret token is the capability",
    "accounts.confirm_email_change": "signed, expiring token (tests/accounts)",
    "accounts.reset_password": "signed, expiring token (tests/accounts)",
    "accounts.verify_email": "signed, expiring token (tests/accounts)",
    "shop.set_fulfilment": "changes the requester's own cart only (by vendor id)",
    "bids.start": "any approved structure may answer a published tender's lot",
    "bids.partners": "the partner notices of a published tender, for every structure",
    "bids.new_notice": "any approved structure may look for partners on a published lot",
    "bids.award_notice": "public once the tender is awarded",
    "bids.ocds_package": "public open-contracting data; sealed bids stay out (test_ocds_keeps_bids_sealed)",
}
# Administrators only: the gate refuses every other role before any object is read
# (tests/test_permission_matrix.py walks every endpoint × role).
ADMIN_ONLY_PREFIXES = ("admin.", "committee.criterion_", "committee.charter", "committee.criteria")


def _url(case: Case, world) -> str:
    return case.url.format(**world.ids)


def _request(client, case: Case, url: str, world):
    if case.method == "GET":
        return client.get(url)
    return client.post(url, data={name: value.format(**world.ids) for name, value in case.data})


def _params(cases):
    return [pytest.param(c, id=c.id, marks=[pytest.mark.procurement] if c.endpoint.startswith(PROCUREMENT) else [])
            for c in cases]


@pytest.mark.parametrize("case", _params(CASES))
def test_only_the_owner_reaches_the_object(request, app, db, world, sign_in, case):
    for name in case.fixtures:
        request.getfixturevalue(name)
    url = _url(case, world)
    unexpected = []
    for who in case.refused:
        before = snapshot(db)
        response = _request(sign_in(who), case, url, world)
        location = response.headers.get("Location", "")
        refused = response.status_code in case.refusal or (
            who == "anonymous" and response.status_code == 302 and LOGIN in location
        )
        changes = changed_tables(before, snapshot(db))
        if not refused or changes:
            unexpected.append(f"{who}: {response.status_code} {location} changed={changes}")
    for who in case.allowed:
        response = _request(sign_in(who), case, url, world)
        location = response.headers.get("Location", "")
        if response.status_code not in ALLOWED_STATUSES or LOGIN in location:
            unexpected.append(f"{who} (allowed): {response.status_code} {location}")
    assert not unexpected, f"{case.id}:\n" + "\n".join(unexpected)


def test_every_object_endpoint_has_a_case(app):
    covered = {case.endpoint for case in CASES}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint in covered or rule.endpoint in NOT_OWNED:
            continue
        if rule.endpoint.startswith(ADMIN_ONLY_PREFIXES):
            permission = getattr(app.view_functions[rule.endpoint], "permission", None)
            assert permission == "admin", f"{rule.endpoint} is listed as admin-only but declares {permission!r}"
            continue
        missing.append(f"{rule.endpoint} {rule.rule}")
    assert not missing, "endpoints with an object in their URL and no ownership case:\n" + "\n".join(sorted(missing))


def test_refusals_cover_every_role(app):
    """Across the cases, every kind of person is refused somewhere (no role is forgotten)."""
    refused = {who for case in CASES for who in case.refused}
    assert refused >= {"anonymous", "consumer", "customer", "owner_a", "staff_a", "owner_b", "owner_c", "buyer",
                       "buyer_b", "member", "recused", "chair_recused", "admin"}


def test_a_data_export_holds_only_its_owner(db, world, sign_in):
    customer, consumer = world.users["customer"], world.users["consumer"]
    mine = sign_in("consumer").get("/compte/mes-donnees")
    assert mine.status_code == 200
    assert consumer.email in mine.text
    assert customer.email not in mine.text and "Camille Martin" not in mine.text


def test_a_buyer_sees_only_its_own_organisations(db, world, sign_in):
    from tests.factories import BuyerMembershipFactory

    other = BuyerMembershipFactory(organisation__name="Commune de Saint-Autre").organisation
    db.session.commit()
    page = sign_in("buyer").get("/compte/professionnels")
    assert page.status_code == 200
    assert world.users["buyer"].buyer_memberships[0].organisation.name in page.text
    assert other.name not in page.text


@pytest.mark.procurement
def test_ocds_keeps_bids_sealed(db, world, sign_in):
    """The open-contracting package of a tender still open names no bid, no price, no memo."""
    from marketplace.procurement.bids.models import Bid

    sealed = db.session.get(Bid, world["sealed_bid"])
    package = sign_in("anonymous").get(f"/tenders/{world['tender']}/ocds.json")
    assert package.status_code == 200
    assert sealed.technical_memo not in package.text
    assert sealed.lead_vendor.name not in package.text
