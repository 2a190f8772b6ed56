"""The vendors blueprint: the vendor space and the dossier (public pages and the team
live in public_views and team_views, registered on the same blueprint)."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.core.confirm import confirmation_page
from marketplace.core.forms import ConfirmForm, attach_error
from marketplace.core.permissions import requires
from marketplace.core.territories import departement
from marketplace.extensions import db
from marketplace.vendors import documents, services, workflow
from marketplace.vendors.forms import (
    ActivityForm,
    CharterForm,
    DocumentForm,
    IdentityForm,
    ResubmitForm,
    TerritoryForm,
    commitments_form,
)
from marketplace.vendors.models import ApplicationDocument, DocumentKind
from marketplace.vendors.permissions import can_manage_vendor, can_read_documents
from marketplace.vendors.services import FieldError, IdentityData, TerritoryData
from marketplace.vendors.workflow import IncompleteApplication, UnverifiedEmail, WorkflowError

bp = Blueprint("vendors", __name__)

SECTIONS = [
    ("identity", "vendors.edit_identity"),
    ("territory", "vendors.edit_territory"),
    ("activity", "vendors.edit_activity"),
    ("commitments", "vendors.edit_commitments"),
    ("documents", "vendors.edit_documents"),
    ("charter", "vendors.edit_charter"),
]


# ---------------------------------------------------------------- helpers


def _managed_vendor(vendor_id: int):
    """The structure, if the current user may manage it (404 otherwise: its existence is private)."""
    vendor = services.vendor_by_id(vendor_id)
    if vendor is None or not can_manage_vendor(current_user, vendor):
        abort(404)
    return vendor


def _current_application(vendor):
    application = services.latest_application(vendor)
    if application is None:
        abort(404)
    return application


def _refuse(vendor, error: WorkflowError):
    flash(error.message, "error")
    return redirect(url_for("vendors.application", vendor_id=vendor.id))


def _editable_or_redirect(vendor, application):
    if not services.is_editable(application):
        flash(
            _("Le dossier n'est plus modifiable : la candidature est « %(status)s ».", status=application.status.label),
            "error",
        )
        return redirect(url_for("vendors.application", vendor_id=vendor.id))
    return None


def _section_page(template: str, vendor, application, section: str, **context):
    return render_template(
        template,
        vendor=vendor,
        application=application,
        section=section,
        sections=SECTIONS,
        editable=services.is_editable(application),
        missing=workflow.missing_items(application) if services.is_editable(application) else [],
        **context,
    )


def _saved(vendor, section_endpoint: str):
    db.session.commit()
    flash(_("Section enregistrée. Vous pourrez compléter le reste du dossier plus tard."), "success")
    return redirect(url_for(section_endpoint, vendor_id=vendor.id))


# ---------------------------------------------------------------- the vendor space


@bp.get("/espace-fournisseur")
@requires("vendor.manage")
def dashboard():
    return render_template("vendors/dashboard.html", entries=services.dashboard(current_user), form=ConfirmForm())


@bp.route("/espace-fournisseur/nouvelle-structure", methods=["GET", "POST"])
@requires("vendor.apply")
def create():
    form = IdentityForm()
    if form.validate_on_submit():
        try:
            application = services.create_structure(current_user, _identity_data(form))
        except FieldError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Structure créée. Complétez maintenant son dossier, section par section."), "success")
            return redirect(url_for("vendors.edit_territory", vendor_id=application.vendor_id))
    return render_template("vendors/create.html", form=form)


def _identity_data(form: IdentityForm) -> IdentityData:
    return IdentityData(
        name=form.name.data,
        legal_name=form.legal_name.data,
        siret=form.siret.data,
        legal_form=form.legal_form_value,
        esus_agrement=form.esus_agrement.data == "oui",
        year_founded=form.year_founded.data,
        staff_count=form.staff_count.data,
        insertion_jobs=form.insertion_jobs.data,
    )


@bp.get("/espace-fournisseur/<int:vendor_id>/dossier")
@bp.get("/espace-fournisseur/<int:vendor_id>/dossier/candidature-<int:application_id>")
@requires("vendor.manage")
def application(vendor_id: int, application_id: int | None = None):
    vendor = _managed_vendor(vendor_id)
    return _render_application(vendor, application_id)


def _render_application(
    vendor, application_id=None, submit_errors=None, resubmit_form=None, verify_error=None, status=200
):
    applications = services.applications_of(vendor)
    if not applications:
        abort(404)
    current = applications[0]
    shown = current if application_id is None else next((a for a in applications if a.id == application_id), None)
    if shown is None:
        abort(404)
    charter = services.current_charter()
    return render_template(
        "vendors/application.html",
        vendor=vendor,
        application=shown,
        is_current=shown is current,
        applications=applications,
        sections=SECTIONS,
        section="summary",
        editable=services.is_editable(shown) and shown is current,
        missing=workflow.missing_items(shown) if services.is_editable(shown) else [],
        submit_errors=submit_errors,
        verify_error=verify_error,
        answers=services.answers_by_criterion(shown),
        criteria=services.active_criteria(),
        thread=services.thread(shown),
        history=services.history(shown),
        charter=charter,
        signature=services.signature_of(vendor, charter),
        reapply_at=workflow.reapply_date(vendor),
        resubmit_form=resubmit_form or ResubmitForm(),
        form=ConfirmForm(),
        dep=departement(vendor.departement_code),
    ), status


@bp.route("/espace-fournisseur/<int:vendor_id>/dossier/identite", methods=["GET", "POST"])
@requires("vendor.manage")
def edit_identity(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    application = _current_application(vendor)
    if (refused := _editable_or_redirect(vendor, application)) is not None:
        return refused
    form = IdentityForm(obj=vendor) if request.method == "GET" else IdentityForm()
    if request.method == "GET":
        form.legal_form.data = vendor.legal_form.value if vendor.legal_form else ""
        form.esus_agrement.data = "oui" if vendor.esus_agrement else "non"
    if form.validate_on_submit():
        try:
            services.save_identity(application, current_user, _identity_data(form))
        except FieldError as error:
            attach_error(form, error)
        except WorkflowError as error:
            return _refuse(vendor, error)
        else:
            return _saved(vendor, "vendors.edit_identity")
    return _section_page("vendors/section_identity.html", vendor, application, "identity", form=form)


@bp.route("/espace-fournisseur/<int:vendor_id>/dossier/territoire", methods=["GET", "POST"])
@requires("vendor.manage")
def edit_territory(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    application = _current_application(vendor)
    if (refused := _editable_or_redirect(vendor, application)) is not None:
        return refused
    form = TerritoryForm(obj=vendor) if request.method == "GET" else TerritoryForm()
    if form.validate_on_submit():
        data = TerritoryData(address=form.address.data, postal_code=form.postal_code.data, commune=form.commune.data)
        try:
            services.save_territory(application, current_user, data)
        except FieldError as error:
            attach_error(form, error)
        except WorkflowError as error:
            return _refuse(vendor, error)
        else:
            return _saved(vendor, "vendors.edit_territory")
    eligible = [d for c in current_app.config["ELIGIBLE_DEPARTEMENTS"] if (d := departement(c)) is not None]
    return _section_page(
        "vendors/section_territory.html", vendor, application, "territory",
        form=form, eligible=eligible, dep=departement(vendor.departement_code),
    )


@bp.route("/espace-fournisseur/<int:vendor_id>/dossier/activite", methods=["GET", "POST"])
@requires("vendor.manage")
def edit_activity(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    application = _current_application(vendor)
    if (refused := _editable_or_redirect(vendor, application)) is not None:
        return refused
    form = ActivityForm(obj=vendor) if request.method == "GET" else ActivityForm()
    if request.method == "GET":
        form.sectors.data = [s.value for s in vendor.sectors]
    if form.validate_on_submit():
        upload = form.logo.data if getattr(form.logo.data, "filename", None) else None
        data = services.ActivityData(
            sectors=form.sector_values,
            description=form.description.data,
            website=form.website.data,
            email=form.email.data,
            phone=form.phone.data,
            logo=upload,
            remove_logo=form.remove_logo.data,
        )
        try:
            services.save_activity(application, current_user, data)
        except FieldError as error:
            db.session.rollback()
            attach_error(form, error)
        except WorkflowError as error:
            return _refuse(vendor, error)
        else:
            return _saved(vendor, "vendors.edit_activity")
    return _section_page("vendors/section_activity.html", vendor, application, "activity", form=form)


@bp.route("/espace-fournisseur/<int:vendor_id>/dossier/engagements", methods=["GET", "POST"])
@requires("vendor.manage")
def edit_commitments(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    application = _current_application(vendor)
    if (refused := _editable_or_redirect(vendor, application)) is not None:
        return refused
    criteria = services.active_criteria()
    formdata = request.form if request.method == "POST" else None
    form = commitments_form(criteria, services.answers_by_criterion(application), formdata=formdata)
    if form.validate_on_submit():
        texts = {criterion.id: field.data for criterion, field in form.criteria_fields}
        try:
            services.save_answers(application, current_user, texts)
        except WorkflowError as error:
            return _refuse(vendor, error)
        return _saved(vendor, "vendors.edit_commitments")
    return _section_page("vendors/section_commitments.html", vendor, application, "commitments", form=form)


@bp.route("/espace-fournisseur/<int:vendor_id>/dossier/documents", methods=["GET", "POST"])
@requires("vendor.manage")
def edit_documents(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    application = _current_application(vendor)
    if (refused := _editable_or_redirect(vendor, application)) is not None:
        return refused
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            documents.add_document(application, current_user, DocumentKind(form.kind.data), form.file.data)
        except documents.DocumentError as error:
            db.session.rollback()
            form.file.errors = list(form.file.errors or []) + [error.message]
        except WorkflowError as error:
            return _refuse(vendor, error)
        else:
            db.session.commit()
            flash(_("Document ajouté au dossier."), "success")
            return redirect(url_for("vendors.edit_documents", vendor_id=vendor.id))
    return _section_page(
        "vendors/section_documents.html", vendor, application, "documents",
        form=form, max_mb=documents.MAX_DOCUMENT_BYTES // (1024 * 1024),
    )


def _own_document(vendor, document_id: int) -> ApplicationDocument:
    document = db.session.get(ApplicationDocument, document_id)
    if document is None or document.application.vendor_id != vendor.id:
        abort(404)
    return document


@bp.route(
    "/espace-fournisseur/<int:vendor_id>/dossier/documents/<int:document_id>/supprimer", methods=["GET", "POST"]
)
@requires("vendor.manage")
def delete_document(vendor_id: int, document_id: int):
    vendor = _managed_vendor(vendor_id)
    document = _own_document(vendor, document_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            documents.delete_document(document, current_user)
        except WorkflowError as error:
            return _refuse(vendor, error)
        db.session.commit()
        flash(_("Document supprimé."), "success")
        return redirect(url_for("vendors.edit_documents", vendor_id=vendor.id))
    return confirmation_page(
        _("Supprimer un document"),
        [
            _("%(kind)s : %(name)s", kind=document.kind.label, name=document.original_name),
            _("Le fichier sera retiré du dossier."),
        ],
        _("Oui, supprimer"),
        url_for("vendors.edit_documents", vendor_id=vendor.id),
        heading=_("Supprimer ce document ?"),
    )


@bp.route("/espace-fournisseur/<int:vendor_id>/dossier/charte", methods=["GET", "POST"])
@requires("vendor.manage")
def edit_charter(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    application = services.latest_application(vendor)
    charter = services.current_charter()
    form = CharterForm()
    if request.method == "GET" and charter is not None:
        form.charter_id.data = str(charter.id)
    if form.validate_on_submit():
        try:
            charter_id = int(form.charter_id.data) if (form.charter_id.data or "").isdigit() else None
            services.sign_charter(vendor, current_user, charter_id)
        except WorkflowError as error:
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Charte acceptée au nom de la structure."), "success")
            target = request.args.get("retour") == "espace"
            return redirect(url_for("vendors.dashboard") if target else url_for("vendors.edit_charter", vendor_id=vendor.id))
    return _section_page(
        "vendors/section_charter.html", vendor, application, "charter",
        form=form, charter=charter, signature=services.signature_of(vendor, charter),
    )


@bp.post("/espace-fournisseur/<int:vendor_id>/dossier/deposer")
@requires("vendor.manage")
def submit(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    application = _current_application(vendor)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.submit(application, current_user)
    except IncompleteApplication as error:
        db.session.rollback()
        return _render_application(vendor, submit_errors=error.missing, status=422)
    except UnverifiedEmail as error:
        db.session.rollback()
        return _render_application(vendor, verify_error=error.message, status=422)
    except WorkflowError as error:
        db.session.rollback()
        return _refuse(vendor, error)
    db.session.commit()
    flash(_("Votre candidature est déposée. Le comité d'éthique va l'examiner ; vous serez prévenu par e-mail."), "success")
    return redirect(url_for("vendors.application", vendor_id=vendor.id))


@bp.post("/espace-fournisseur/<int:vendor_id>/dossier/repondre")
@requires("vendor.manage")
def resubmit(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    application = _current_application(vendor)
    form = ResubmitForm()
    if not form.validate_on_submit():
        return _render_application(vendor, resubmit_form=form, status=422)
    try:
        services.resubmit(application, current_user, form.answer.data)
    except IncompleteApplication as error:
        db.session.rollback()
        return _render_application(vendor, submit_errors=error.missing, resubmit_form=form, status=422)
    except WorkflowError as error:
        db.session.rollback()
        return _refuse(vendor, error)
    db.session.commit()
    flash(_("Votre réponse a été envoyée et le dossier renvoyé au comité d'éthique."), "success")
    return redirect(url_for("vendors.application", vendor_id=vendor.id))


@bp.route("/espace-fournisseur/<int:vendor_id>/dossier/retirer", methods=["GET", "POST"])
@requires("vendor.manage")
def withdraw(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    application = _current_application(vendor)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.withdraw(application, current_user)
        except WorkflowError as error:
            db.session.rollback()
            return _refuse(vendor, error)
        db.session.commit()
        flash(_("La candidature a été retirée."), "success")
        return redirect(url_for("vendors.application", vendor_id=vendor.id))
    if application.status not in workflow.OPEN_STATUSES:
        return _refuse(vendor, WorkflowError(_("Cette candidature ne peut plus être retirée.")))
    return confirmation_page(
        _("Retirer la candidature"),
        _(
            "Le comité d'éthique cessera d'examiner ce dossier. Cette action est définitive : "
            "pour candidater à nouveau, il faudra préparer une nouvelle candidature."
        ),
        _("Oui, retirer la candidature"),
        url_for("vendors.application", vendor_id=vendor.id),
        heading=_("Retirer la candidature de %(name)s ?", name=vendor.name),
    )


@bp.post("/espace-fournisseur/<int:vendor_id>/nouvelle-candidature")
@requires("vendor.manage")
def new_application(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.new_application(vendor, current_user)
    except WorkflowError as error:
        db.session.rollback()
        return _refuse(vendor, error)
    db.session.commit()
    flash(_("Nouvelle candidature créée à partir de la précédente : relisez et complétez chaque section."), "success")
    return redirect(url_for("vendors.application", vendor_id=vendor.id))


@bp.post("/espace-fournisseur/<int:vendor_id>/renouvellement")
@requires("vendor.manage")
def renew(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.start_renewal(vendor, current_user)
    except WorkflowError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("vendors.dashboard"))
    db.session.commit()
    flash(_("Demande de renouvellement préparée à partir de votre dossier agréé : mettez-la à jour puis déposez-la."), "success")
    return redirect(url_for("vendors.application", vendor_id=vendor.id))


# ---------------------------------------------------------------- documents


@bp.get("/documents/<int:document_id>")
@requires("account")
def document(document_id: int):
    document = db.session.get(ApplicationDocument, document_id)
    if document is None or not can_read_documents(current_user, document.application.vendor):
        abort(404)
    path = documents.document_path(document)
    if not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=document.content_type, as_attachment=True, download_name=document.original_name, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# The blueprint's other pages.
from marketplace.vendors import public_views, team_views  # noqa: E402, F401
