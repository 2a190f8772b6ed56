"""Forms of the bids: starting a bid, its content and the conjoint shares, the
groupement, partner notices, and the buyer's admissibility, scores and award."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from marketplace.catalogue.forms import AmountField
from marketplace.core.forms import choices
from marketplace.procurement.bids.models import BID_MODE_LABELS, BidMode

TEXT_MAX = Length(max=20_000, message=_l("20 000 caractères au plus."))
SHORT_MAX = Length(max=5_000, message=_l("5 000 caractères au plus."))

MODE_HELP = {
    BidMode.ALONE: _l("Votre structure répond seule et réalise tout le lot."),
    BidMode.CONJOINT: _l(
        "Chaque membre s'engage sur sa part des prestations et de leur prix, indiquée dans l'offre ; "
        "le mandataire est solidaire de chacun."
    ),
    BidMode.SOLIDAIRE: _l("Chaque membre s'engage pour la totalité du lot, en cas de défaillance d'un autre."),
}


def _mode_choices():
    return choices((m.value, BID_MODE_LABELS[m]) for m in BidMode)


def _vendor_choices(vendors):
    return choices((v.id, v.name) for v in vendors)


class _VendorChoiceForm(FlaskForm):
    vendor_id = SelectField(_l("Structure"), coerce=int, validate_choice=True)

    def __init__(self, *args, vendors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor_id.choices = _vendor_choices(vendors)
        if len(vendors) == 1 and not self.vendor_id.data:
            self.vendor_id.data = vendors[0].id


class StartBidForm(_VendorChoiceForm):
    vendor_id = SelectField(_l("Structure qui répond (mandataire)"), coerce=int, validate_choice=True)
    mode = RadioField(
        _l("Forme de la réponse"), choices=_mode_choices(), default=BidMode.ALONE.value,
        validators=[InputRequired(_l("Choisissez la forme de la réponse."))],
    )


class ModeForm(FlaskForm):
    mode = RadioField(
        _l("Forme de la réponse"), choices=_mode_choices(),
        validators=[InputRequired(_l("Choisissez la forme de la réponse."))],
    )


class InviteForm(_VendorChoiceForm):
    vendor_id = SelectField(_l("Structure à inviter"), coerce=int, validate_choice=True)


def content_form(bid, formdata=None):
    """Price, memo, commitments, memo file; and for a conjoint groupement one share
    (work and amount) per member."""

    class BidContentForm(FlaskForm):
        price = AmountField(
            _l("Prix de l'offre, en euros HT"),
            render_kw={"inputmode": "decimal", "autocomplete": "off"},
        )
        technical_memo = TextAreaField(
            _l("Mémoire technique"), validators=[Optional(), TEXT_MAX], render_kw={"rows": 10},
        )
        memo_file = FileField(_l("Mémoire technique en fichier (facultatif)"))
        social_commitments = TextAreaField(
            _l("Engagements sociaux"), validators=[Optional(), SHORT_MAX], render_kw={"rows": 5},
        )
        environmental_commitments = TextAreaField(
            _l("Engagements environnementaux"), validators=[Optional(), SHORT_MAX], render_kw={"rows": 5},
        )

    members = bid.active_members if bid.mode is BidMode.CONJOINT else []
    for member in members:
        setattr(
            BidContentForm, f"share_text_{member.id}",
            TextAreaField(
                _l("Part des prestations de %(vendor)s", vendor=member.vendor.name),
                validators=[Optional(), SHORT_MAX], render_kw={"rows": 3},
            ),
        )
        setattr(
            BidContentForm, f"share_amount_{member.id}",
            AmountField(
                _l("Montant de la part de %(vendor)s, en euros HT", vendor=member.vendor.name),
                render_kw={"inputmode": "decimal", "autocomplete": "off"},
            ),
        )
    form = BidContentForm(formdata=formdata) if formdata is not None else BidContentForm()
    if formdata is None:
        from marketplace.core.money import cents_to_decimal

        def _amount(cents):
            return "" if cents is None else str(cents_to_decimal(cents)).replace(".", ",")

        form.price.data = _amount(bid.price_cents)
        form.technical_memo.data = bid.technical_memo
        form.social_commitments.data = bid.social_commitments
        form.environmental_commitments.data = bid.environmental_commitments
        for member in members:
            getattr(form, f"share_text_{member.id}").data = member.work_share
            getattr(form, f"share_amount_{member.id}").data = _amount(member.amount_cents)
    form.share_fields = [
        (member, getattr(form, f"share_text_{member.id}"), getattr(form, f"share_amount_{member.id}"))
        for member in members
    ]
    return form


def shares_of(form) -> dict[int, tuple[str, int | None]]:
    return {member.id: (text.data or "", amount.cents) for member, text, amount in form.share_fields}


class NoticeForm(_VendorChoiceForm):
    vendor_id = SelectField(_l("Structure qui cherche des partenaires"), coerce=int, validate_choice=True)
    brings = TextAreaField(
        _l("Ce que votre structure apporte"),
        validators=[DataRequired(_l("Dites ce que votre structure apporte.")), SHORT_MAX],
        render_kw={"rows": 4},
    )
    needs = TextAreaField(
        _l("Le partenaire que vous cherchez"),
        validators=[DataRequired(_l("Dites quel partenaire vous cherchez.")), SHORT_MAX],
        render_kw={"rows": 4},
    )


class JoinOfferForm(_VendorChoiceForm):
    vendor_id = SelectField(_l("Structure qui propose de rejoindre le groupement"), coerce=int, validate_choice=True)
    message = TextAreaField(
        _l("Ce que vous proposez"),
        validators=[DataRequired(_l("Présentez en quelques lignes ce que vous proposez.")), SHORT_MAX],
        render_kw={"rows": 4},
    )


# ---------------------------------------------------------------- the buyer's side


class AdmissibilityForm(FlaskForm):
    admissible = RadioField(
        _l("Recevabilité de l'offre"),
        choices=choices([("oui", _l("Recevable")), ("non", _l("Non recevable (irrégulière, inacceptable ou inappropriée)"))]),
        validators=[InputRequired(_l("Indiquez si l'offre est recevable."))],
    )
    reason = TextAreaField(
        _l("Motif (obligatoire si l'offre n'est pas recevable)"), validators=[Optional(), SHORT_MAX],
        render_kw={"rows": 3},
    )


def score_form(criteria, scores: dict[int, tuple[int, str]], formdata=None, format_points=str):
    """One mark and one comment per non-price criterion."""

    class ScoreForm(FlaskForm):
        pass

    for criterion in criteria:
        setattr(
            ScoreForm, f"points_{criterion.id}",
            StringField(
                _l("Note sur %(weight)s", weight=criterion.weight),
                validators=[Optional(), Length(max=12)],
                render_kw={"inputmode": "decimal", "autocomplete": "off"},
            ),
        )
        setattr(
            ScoreForm, f"comment_{criterion.id}",
            TextAreaField(
                _l("Commentaire justifiant la note"),
                validators=[Optional(), SHORT_MAX], render_kw={"rows": 3},
            ),
        )
    form = ScoreForm(formdata=formdata) if formdata is not None else ScoreForm()
    if formdata is None:
        for criterion in criteria:
            if criterion.id in scores:
                points, comment = scores[criterion.id]
                getattr(form, f"points_{criterion.id}").data = format_points(points)
                getattr(form, f"comment_{criterion.id}").data = comment
    form.criteria_fields = [
        (c, getattr(form, f"points_{c.id}"), getattr(form, f"comment_{c.id}")) for c in criteria
    ]
    return form


class AwardForm(FlaskForm):
    winner = RadioField(_l("Offre retenue"), coerce=int, validators=[InputRequired(_l("Choisissez l'offre retenue."))])
    reason = TextAreaField(
        _l("Motifs du choix (repris dans les lettres aux candidats non retenus)"),
        validators=[Optional(), SHORT_MAX], render_kw={"rows": 4},
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.winner.choices = choices((entry.bid.id, entry.bid.display_name) for entry in candidates)
        if len(self.winner.choices) == 1 and self.winner.data is None:
            self.winner.data = entry_id = candidates[0].bid.id
            self.winner.default = entry_id


class UnsuccessfulForm(FlaskForm):
    reason = TextAreaField(
        _l("Motif (repris dans l'avis et dans les lettres aux candidats)"),
        validators=[DataRequired(_l("Indiquez pourquoi le lot est déclaré infructueux.")), SHORT_MAX],
        render_kw={"rows": 4},
    )
