"""Forms of calls for tenders: the buyer's draft, lots, criteria, documents,
amendments, cancellation and answers; the vendors' questions and alerts."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import InputRequired, Length, Optional

from marketplace.catalogue.forms import AmountField, cents_text
from marketplace.core.forms import FrenchIntegerField, choice, choices
from marketplace.procurement.tenders.documents import ACCEPTED_LABEL
from marketplace.procurement.tenders.models import (
    CRITERION_KIND_LABELS,
    PROCEDURE_LABELS,
    RESERVATION_LABELS,
    CriterionKind,
    Procedure,
    Reservation,
)
from marketplace.procurement.tenders.services import (
    AmendmentData,
    CriterionData,
    LotData,
    TenderData,
)

PARIS = ZoneInfo("Europe/Paris")
EXTRA_LOT_ROWS = 1
EXTRA_CRITERION_ROWS = 2


class ParisDateTimeField(DateTimeLocalField):
    """A date and time typed in Paris time (``<input type="datetime-local">``); ``utc`` gives it in UTC."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
        kwargs.setdefault("invalid_value_message", _l("Saisissez une date et une heure, par exemple 15/03/2026 12:00."))
        super().__init__(label, validators, tz=PARIS, **kwargs)

    @property
    def utc(self) -> dt.datetime | None:
        return None if self.data is None else self.data.astimezone(dt.UTC)


def _reservation_choices():
    return choices((r.value, RESERVATION_LABELS[r]) for r in Reservation)


class TenderForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation acheteuse"), coerce=int, validate_choice=False)
    reference = StringField(
        _l("Référence"),
        validators=[InputRequired(_l("Indiquez la référence de l'appel d'offres.")),
                    Length(max=60, message=_l("60 caractères au maximum."))],
    )
    title = StringField(
        _l("Intitulé"),
        validators=[InputRequired(_l("Donnez un intitulé à l'appel d'offres.")),
                    Length(max=200, message=_l("200 caractères au maximum."))],
    )
    object = TextAreaField(
        _l("Objet du marché"),
        validators=[InputRequired(_l("Décrivez l'objet du marché.")),
                    Length(max=20_000, message=_l("20 000 caractères au maximum."))],
        render_kw={"rows": 8},
    )
    procedure = RadioField(
        _l("Procédure"),
        choices=choices((p.value, PROCEDURE_LABELS[p]) for p in Procedure),
        default=Procedure.ADAPTED.value,
        validators=[InputRequired(_l("Choisissez la procédure."))],
    )
    category_id = SelectField(_l("Catégorie"), coerce=int, default=0)
    departement = SelectField(_l("Département d'exécution"), default="")
    reservation = RadioField(
        _l("Marché réservé"),
        choices=[],
        default=Reservation.NONE.value,
        validators=[InputRequired(_l("Indiquez si le marché est réservé."))],
    )
    social_clause = TextAreaField(
        _l("Clause sociale (facultatif)"),
        validators=[Optional(), Length(max=5000, message=_l("5 000 caractères au maximum."))],
        render_kw={"rows": 4},
    )
    question_deadline = ParisDateTimeField(
        _l("Date limite des questions"), validators=[InputRequired(_l("Indiquez la date limite des questions."))]
    )
    submission_deadline = ParisDateTimeField(
        _l("Date limite de remise des offres"),
        validators=[InputRequired(_l("Indiquez la date limite de remise des offres."))],
    )

    def __init__(self, *args, organisations=None, categories=(), departements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.reservation.choices = _reservation_choices()
        self.category_id.choices = [choice(0, _l("— Aucune —")), *choices(categories)]
        self.departement.choices = [choice("", _l("— Non précisé —")), *choices(departements)]
        if organisations:
            self.organisation_id.choices = choices((o.id, o.name) for o in organisations)
        else:
            del self.organisation_id

    def load(self, tender) -> None:
        self.reference.data = tender.reference
        self.title.data = tender.title
        self.object.data = tender.object
        self.procedure.data = tender.procedure.value
        self.category_id.data = tender.category_id or 0
        self.departement.data = tender.departement or ""
        self.reservation.data = tender.reservation.value
        self.social_clause.data = tender.social_clause or ""
        self.question_deadline.data = tender.question_deadline
        self.submission_deadline.data = tender.submission_deadline

    def to_data(self) -> TenderData:
        return TenderData(
            reference=self.reference.data or "",
            title=self.title.data or "",
            object=self.object.data or "",
            procedure=Procedure(self.procedure.data),
            category_id=self.category_id.data or None,
            departement=self.departement.data or None,
            reservation=Reservation(self.reservation.data),
            social_clause=self.social_clause.data,
            question_deadline=self.question_deadline.utc,
            submission_deadline=self.submission_deadline.utc,
        )


class LotRowForm(Form):
    title = StringField(_l("Intitulé du lot"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10_000)],
                                render_kw={"rows": 3})
    estimated_amount = AmountField(_l("Montant estimé HT (€)"))
    reservation = SelectField(_l("Réservation propre au lot"), default=Reservation.NONE.value)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reservation.choices = _reservation_choices()


class LotsForm(FlaskForm):
    lots = FieldList(FormField(LotRowForm), label=_l("Lots"))

    def load(self, lots) -> None:
        for lot in lots:
            self.lots.append_entry(
                {
                    "title": lot.title,
                    "description": lot.description,
                    "estimated_amount": cents_text(lot.estimated_amount_cents),
                    "reservation": lot.reservation.value,
                }
            )

    def pad(self, extra: int = EXTRA_LOT_ROWS) -> None:
        for _ in range(extra):
            self.lots.append_entry()

    def to_data(self) -> list[LotData]:
        return [
            LotData(
                title=row.form.title.data or "",
                description=row.form.description.data or "",
                estimated_amount_cents=row.form.estimated_amount.cents,
                reservation=Reservation(row.form.reservation.data),
            )
            for row in self.lots
        ]


class CriterionRowForm(Form):
    name = StringField(_l("Critère"), validators=[Optional(), Length(max=160)])
    kind = SelectField(
        _l("Nature"),
        choices=choices((k.value, CRITERION_KIND_LABELS[k]) for k in CriterionKind),
        default=CriterionKind.OTHER.value,
    )
    weight = FrenchIntegerField(_l("Pondération (%)"), validators=[Optional()])


class CriteriaForm(FlaskForm):
    criteria = FieldList(FormField(CriterionRowForm), label=_l("Critères d'attribution"))

    def load(self, criteria) -> None:
        for criterion in criteria:
            self.criteria.append_entry({"name": criterion.name, "kind": criterion.kind.value,
                                        "weight": criterion.weight})

    def pad(self, extra: int = EXTRA_CRITERION_ROWS) -> None:
        for _ in range(extra):
            self.criteria.append_entry()

    def to_data(self) -> list[CriterionData]:
        return [
            CriterionData(
                name=row.form.name.data or "",
                weight=row.form.weight.data,
                kind=CriterionKind(row.form.kind.data),
            )
            for row in self.criteria
        ]


class DocumentForm(FlaskForm):
    title = StringField(_l("Titre du document"), validators=[Optional(), Length(max=200)])
    file = FileField(_l("Fichier (%(accepted)s)", accepted=ACCEPTED_LABEL))


class AmendmentForm(FlaskForm):
    note = TextAreaField(
        _l("Note de version (avis rectificatif)"),
        validators=[InputRequired(_l("Expliquez la modification dans la note de version.")),
                    Length(max=5000, message=_l("5 000 caractères au maximum."))],
        render_kw={"rows": 4},
    )
    question_deadline = ParisDateTimeField(_l("Date limite des questions"),
                                           validators=[InputRequired(_l("Indiquez la date limite des questions."))])
    submission_deadline = ParisDateTimeField(
        _l("Date limite de remise des offres"),
        validators=[InputRequired(_l("Indiquez la date limite de remise des offres."))],
    )
    document_title = StringField(_l("Titre du document ajouté (facultatif)"), validators=[Optional(), Length(max=200)])
    document = FileField(_l("Document ajouté (%(accepted)s)", accepted=ACCEPTED_LABEL))

    def load(self, tender) -> None:
        self.question_deadline.data = tender.question_deadline
        self.submission_deadline.data = tender.submission_deadline

    def to_data(self) -> AmendmentData:
        return AmendmentData(
            note=self.note.data or "",
            question_deadline=self.question_deadline.utc,
            submission_deadline=self.submission_deadline.utc,
            document_title=self.document_title.data,
            document=self.document.data,
        )


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Motif de l'annulation"),
        validators=[InputRequired(_l("Indiquez le motif de l'annulation.")),
                    Length(max=5000, message=_l("5 000 caractères au maximum."))],
        render_kw={"rows": 4},
    )


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Réponse publiée"),
        validators=[InputRequired(_l("Écrivez la réponse.")), Length(max=4000, message=_l("4 000 caractères au maximum."))],
        render_kw={"rows": 4},
    )


class QuestionForm(FlaskForm):
    vendor_id = SelectField(_l("Au nom de la structure"), coerce=int, validate_choice=False)
    body = TextAreaField(
        _l("Votre question"),
        validators=[InputRequired(_l("Écrivez votre question.")), Length(max=4000, message=_l("4 000 caractères au maximum."))],
        render_kw={"rows": 4},
    )

    def __init__(self, *args, vendors=(), **kwargs):
        super().__init__(*args, **kwargs)
        vendors = list(vendors)
        self.vendor_id.choices = choices((v.id, v.name) for v in vendors)
        if len(vendors) == 1 and not self.vendor_id.data:
            self.vendor_id.data = vendors[0].id


class AlertForm(FlaskForm):
    category_id = SelectField(_l("Catégorie"), coerce=int, default=0)
    departement = SelectField(_l("Département"), default="")
    reserved_only = BooleanField(_l("Marchés réservés uniquement"))
    keywords = StringField(
        _l("Mots-clés (séparés par des virgules)"),
        validators=[Optional(), Length(max=200, message=_l("200 caractères au maximum."))],
    )

    def __init__(self, *args, categories=(), departements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [choice(0, _l("Toutes les catégories")), *choices(categories)]
        self.departement.choices = [choice("", _l("Tous les départements")), *choices(departements)]
