"""The category tree and the demo vendors' offers (products and services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from marketplace.catalogue import markup
from marketplace.catalogue.models import (
    Category,
    Channels,
    Label,
    Offer,
    OfferKind,
    OfferStatus,
    Unit,
)
from marketplace.vendors.models import Vendor, VendorStatus
from seeds.base import SeedContext, slugify

# slug, name, children [(slug, name)]
CATEGORY_TREE: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("alimentation", "Alimentation", [
        ("fruits-legumes", "Fruits, légumes et paniers"),
        ("epicerie-sucree", "Confitures, miels et douceurs"),
        ("epicerie-salee", "Épicerie salée"),
        ("cremerie", "Crèmerie et fromages"),
        ("boulangerie", "Boulangerie et céréales"),
    ]),
    ("boissons", "Boissons", [
        ("cafes-thes", "Cafés, thés et infusions"),
        ("jus-sirops", "Jus et sirops"),
        ("vins-bieres", "Vins, bières et cidres"),
    ]),
    ("hygiene-beaute", "Hygiène & beauté", [
        ("savons", "Savons et soins"),
        ("cosmetiques", "Cosmétiques naturels"),
    ]),
    ("maison", "Maison", [
        ("entretien-maison", "Entretien de la maison"),
        ("decoration", "Décoration et objets"),
        ("bois-mobilier", "Bois et mobilier"),
    ]),
    ("textile", "Textile", [
        ("vetements", "Vêtements"),
        ("linge-accessoires", "Linge et accessoires"),
    ]),
    ("reemploi", "Réemploi & seconde main", [
        ("mobilier-occasion", "Mobilier d'occasion"),
        ("electromenager-reconditionne", "Électroménager reconditionné"),
        ("livres-jeux", "Livres, jeux et jouets"),
    ]),
    ("energie", "Énergie", []),
    ("mobilite", "Mobilité", [
        ("velos-reconditionnes", "Vélos reconditionnés"),
        ("reparation-velo", "Réparation et entretien de vélos"),
        ("livraison-velo", "Livraison à vélo"),
    ]),
    ("services-entreprises", "Services aux entreprises", [
        ("logistique-conditionnement", "Logistique et conditionnement"),
        ("mise-a-disposition", "Mise à disposition de personnel"),
        ("conseil-comptabilite", "Conseil, gestion et comptabilité"),
    ]),
    ("traiteur-restauration", "Traiteur & restauration", []),
    ("nettoyage", "Nettoyage", []),
    ("espaces-verts", "Espaces verts", []),
    ("impression", "Impression & édition", []),
    ("informatique-reconditionnee", "Informatique reconditionnée", []),
    ("voyages-solidaires", "Voyages solidaires", []),
    ("culture-loisirs", "Culture & loisirs", []),
    ("eco-construction", "Éco-construction", []),
]

B, EQ, LO, RE, FM, INS, HA = (
    Label.BIO, Label.EQUITABLE, Label.LOCAL, Label.REEMPLOI, Label.FAIT_MAIN, Label.INSERTION, Label.HANDICAP,
)

# Per vendor slug: (category slug, title, price in cents, unit, labels, description).
# Kind, VAT, channels, stock and fulfilment follow from the category and the unit.
OFFERS: dict[str, list[tuple[str, str, int, str, tuple, str]]] = {
    "le-panier-des-cimes": [
        ("fruits-legumes", "Panier de légumes bio de saison – petit", 1450, "piece", (B, LO), "Cinq à six variétés de légumes de saison cueillis la veille chez nos producteurs associés du Grésivaudan. Idéal pour une à deux personnes."),
        ("fruits-legumes", "Panier de légumes bio de saison – familial", 2400, "piece", (B, LO), "Huit à dix variétés de légumes de saison pour une famille de quatre personnes, avec une fiche recette chaque semaine."),
        ("fruits-legumes", "Panier fruits et légumes bio", 2900, "piece", (B, LO), "Le panier familial complété de fruits de saison : pommes, poires et petits fruits selon la saison."),
        ("epicerie-sucree", "Confiture de myrtilles sauvages", 690, "piece", (B, LO, FM), "Myrtilles cueillies à la main en Belledonne, cuites en chaudron de cuivre. Pot de 340 g, 60 % de fruits."),
        ("epicerie-sucree", "Miel de montagne toutes fleurs", 1150, "piece", (B, LO), "Miel crémeux récolté au-dessus de 1 200 m par nos apiculteurs associés. Pot de 500 g."),
        ("cremerie", "Tomme de chèvre fermière", 2600, "kg", (B, LO), "Tomme au lait cru affinée trois mois en cave, vendue à la coupe (par tranche d'environ 300 g)."),
        ("epicerie-salee", "Farine de petit épeautre", 480, "kg", (B, LO), "Farine T80 moulue sur meule de pierre, pour des pains savoureux et digestes."),
    ],
    "atelier-velo-du-drac": [
        ("velos-reconditionnes", "Vélo de ville reconditionné", 19000, "piece", (RE, LO), "Vélo de ville entièrement révisé par notre atelier : freins, transmission, roues et éclairage. Garantie six mois."),
        ("velos-reconditionnes", "VTC reconditionné 21 vitesses", 24000, "piece", (RE, LO), "VTC polyvalent révisé et contrôlé sur 40 points, livré avec antivol et garde-boues."),
        ("velos-reconditionnes", "Vélo enfant reconditionné (20 pouces)", 9000, "piece", (RE, LO), "Pour les 6 à 9 ans, contrôlé et réglé à la taille de l'enfant lors du retrait."),
        ("reparation-velo", "Révision complète de vélo", 5500, "flat", (LO,), "Réglage des freins et des vitesses, dévoilage des roues, graissage de la transmission, contrôle de sécurité."),
        ("reparation-velo", "Atelier d'autoréparation encadré", 1500, "hour", (LO,), "Réparez vous-même votre vélo avec nos outils et les conseils d'un mécanicien bénévole."),
        ("reparation-velo", "Formation « Entretenir son vélo »", 4000, "flat", (LO,), "Trois heures pour apprendre à changer une chambre à air, régler ses freins et entretenir sa chaîne."),
    ],
    "les-charpentiers-du-vercors": [
        ("eco-construction", "Étude de charpente bois local", 90000, "flat", (LO,), "Étude et plans d'exécution d'une charpente traditionnelle en bois du Vercors, certifié Bois des Alpes."),
        ("eco-construction", "Pose d'ossature bois (journée d'équipe)", 98000, "day", (LO,), "Une journée d'une équipe de deux charpentiers qualifiés, matériel de levage compris."),
        ("bois-mobilier", "Banc en mélèze massif", 32000, "piece", (LO, FM), "Banc d'extérieur de 1,80 m en mélèze du Vercors, assemblé à tenons et mortaises, sans traitement chimique."),
        ("bois-mobilier", "Table de jardin en douglas", 54000, "piece", (LO, FM), "Table six places en douglas massif, huilée à l'huile de lin."),
        ("bois-mobilier", "Jardinière en mélèze", 8500, "piece", (LO, FM), "Jardinière 80 × 40 cm, bois non traité, idéale pour balcons et potagers urbains."),
    ],
    "energies-citoyennes-du-gresivaudan": [
        ("energie", "Part sociale de la centrale solaire citoyenne", 10000, "piece", (LO,), "Devenez coopérateur de nos toitures photovoltaïques. La part sociale de 100 € donne une voix à l'assemblée générale."),
        ("energie", "Diagnostic énergétique de logement", 35000, "flat", (LO,), "Visite de votre logement, mesures et rapport détaillé de travaux prioritaires pour réduire votre facture."),
        ("energie", "Atelier « Économies d'énergie à la maison »", 2500, "piece", (LO,), "Deux heures pour comprendre sa facture et repartir avec un kit d'économies d'énergie."),
        ("energie", "Étude de faisabilité photovoltaïque", 120000, "flat", (LO,), "Étude de toiture pour les collectivités et entreprises : productible, raccordement, montage financier citoyen."),
        ("energie", "Kit d'économie d'eau et d'énergie", 2900, "piece", (LO,), "Mousseurs, douchette économe, multiprise à interrupteur et thermomètre d'ambiance."),
    ],
    "la-ressourcerie-des-deux-rives": [
        ("mobilier-occasion", "Commode vintage restaurée", 12000, "piece", (RE, INS), "Commode en chêne des années 1960 poncée et cirée par notre atelier d'insertion."),
        ("mobilier-occasion", "Lot de quatre chaises bistrot", 8000, "piece", (RE, INS), "Chaises en bois courbé, recollées et revernies. Vendu par lot de quatre."),
        ("electromenager-reconditionne", "Lave-linge reconditionné garanti un an", 22000, "piece", (RE, INS), "Lave-linge 7 kg testé et réparé par nos techniciens en insertion, garantie pièces et main-d'œuvre un an."),
        ("electromenager-reconditionne", "Réfrigérateur reconditionné", 18000, "piece", (RE, INS), "Réfrigérateur 200 L nettoyé, contrôlé et garanti un an."),
        ("livres-jeux", "Lot de dix livres jeunesse", 1500, "piece", (RE, INS), "Albums et romans jeunesse en bon état, sélectionnés par tranche d'âge."),
        ("livres-jeux", "Jeu de société d'occasion complet", 800, "piece", (RE, INS), "Jeux de société vérifiés pièce par pièce : le plaisir du jeu sans gaspillage."),
        ("reemploi", "Enlèvement d'encombrants réutilisables", 4500, "flat", (RE, INS), "Nous venons chercher chez vous meubles et objets réutilisables (agglomération grenobloise)."),
    ],
    "les-cuisines-partagees": [
        ("traiteur-restauration", "Plateau-repas du jour", 1450, "piece", (INS, LO), "Entrée, plat, dessert de saison cuisinés par nos salariés en insertion, livrés en contenants consignés."),
        ("traiteur-restauration", "Buffet cocktail (par personne)", 1800, "piece", (INS, LO), "Douze pièces salées et sucrées par personne, à partir de vingt convives."),
        ("traiteur-restauration", "Buffet du monde végétarien (par personne)", 1600, "piece", (INS,), "Saveurs libanaises, indiennes et sénégalaises, 100 % végétarien, à partir de quinze personnes."),
        ("traiteur-restauration", "Pause-café d'entreprise (par personne)", 650, "piece", (INS, EQ), "Café et thé équitables, jus local, mini-viennoiseries maison."),
        ("traiteur-restauration", "Cours de cuisine anti-gaspi", 3500, "piece", (INS,), "Trois heures pour apprendre à cuisiner les restes et les légumes moches, repas partagé compris."),
        ("epicerie-sucree", "Biscuits sablés au beurre (sachet)", 450, "piece", (INS, FM), "Sablés pur beurre façonnés à la main dans notre cuisine d'insertion. Sachet de 200 g."),
    ],
    "trait-d-union-interim": [
        ("mise-a-disposition", "Mise à disposition : agent de manutention", 2450, "hour", (INS,), "Personnel en parcours d'insertion, accompagné par nos chargés d'insertion. Tarif horaire facturé."),
        ("mise-a-disposition", "Mise à disposition : agent d'entretien", 2350, "hour", (INS,), "Agents formés aux protocoles d'entretien des locaux professionnels."),
        ("mise-a-disposition", "Mise à disposition : aide-cuisinier", 2550, "hour", (INS,), "Renfort en cuisine collective ou restauration, personnel formé HACCP."),
        ("mise-a-disposition", "Mission clause sociale clés en main", 0, "flat", (INS,), "Nous vous aidons à remplir les heures d'insertion de vos marchés publics : recrutement, suivi et attestations."),
    ],
    "coup-de-main-services": [
        ("nettoyage", "Ménage à domicile", 2400, "hour", (INS,), "Entretien de votre logement par une personne en parcours d'insertion. 50 % déductibles des impôts."),
        ("nettoyage", "Nettoyage de fin de chantier", 3000, "hour", (INS,), "Remise en état de locaux après travaux, évacuation des petits déchets."),
        ("espaces-verts", "Petits travaux de jardinage", 2600, "hour", (INS,), "Tonte, taille de haies, désherbage manuel, chez les particuliers."),
        ("nettoyage", "Repassage à domicile", 2200, "hour", (INS,), "Repassage et pliage du linge à votre domicile."),
        ("mise-a-disposition", "Aide au déménagement", 2500, "hour", (INS,), "Deux personnes minimum pour charger et décharger votre déménagement."),
    ],
    "les-jardins-de-la-gresse": [
        ("fruits-legumes", "Panier solidaire de légumes bio", 1200, "piece", (B, LO, INS), "Le panier hebdomadaire de notre jardin d'insertion, cultivé en agriculture biologique."),
        ("fruits-legumes", "Pommes de terre bio", 250, "kg", (B, LO, INS), "Variétés anciennes cultivées dans la vallée de la Gresse."),
        ("fruits-legumes", "Courges bio de conservation", 280, "kg", (B, LO, INS), "Butternut, potimarron et courge musquée selon la récolte."),
        ("fruits-legumes", "Plants potagers bio (barquette de six)", 650, "piece", (B, LO, INS), "Tomates, courgettes, salades ou aromatiques selon la saison."),
        ("epicerie-salee", "Soupe de légumes bio (bocal)", 550, "piece", (B, LO, INS), "Soupe de saison en bocal de 75 cl, cuisinée avec nos légumes."),
        ("epicerie-sucree", "Confiture de rhubarbe bio", 520, "piece", (B, LO, INS), "Rhubarbe de nos jardins, sucre de canne équitable. Pot de 350 g."),
    ],
    "alp-adapt-logistique": [
        ("logistique-conditionnement", "Conditionnement à façon", 2800, "hour", (HA,), "Mise sous pli, ensachage, étiquetage, assemblage de coffrets par nos équipes en entreprise adaptée."),
        ("logistique-conditionnement", "Stockage de palettes (mois)", 1800, "piece", (HA,), "Stockage sécurisé en entrepôt chauffé, tarif par palette et par mois."),
        ("logistique-conditionnement", "Préparation de commandes e-commerce", 3200, "hour", (HA,), "Réception, stockage, préparation et expédition de vos commandes en ligne."),
        ("logistique-conditionnement", "Routage de mailing", 2500, "hour", (HA,), "Pliage, mise sous enveloppe et affranchissement de vos envois postaux."),
    ],
    "les-ateliers-du-taillefer": [
        ("decoration", "Nichoir à mésanges en bois", 2400, "piece", (HA, FM, LO), "Nichoir en pin des Alpes fabriqué par les travailleurs de notre ESAT, prêt à poser."),
        ("decoration", "Hôtel à insectes", 3500, "piece", (HA, FM, LO), "Refuge pour pollinisateurs en bois et matériaux naturels, hauteur 40 cm."),
        ("bois-mobilier", "Planche à découper en hêtre", 1900, "piece", (HA, FM), "Planche 35 × 25 cm en hêtre massif huilé."),
        ("espaces-verts", "Entretien d'espaces verts (équipe ESAT)", 3800, "hour", (HA,), "Tonte, débroussaillage et taille par une équipe encadrée, pour entreprises et collectivités."),
        ("logistique-conditionnement", "Sous-traitance en atelier protégé", 2600, "hour", (HA,), "Montage, conditionnement et petits assemblages industriels."),
        ("epicerie-sucree", "Miel de châtaignier de l'ESAT", 950, "piece", (HA, LO), "Récolté par l'atelier apiculture de l'ESAT. Pot de 500 g."),
    ],
    "les-entrepreneurs-du-bastion": [
        ("conseil-comptabilite", "Création de site web vitrine", 180000, "flat", (), "Site vitrine responsive et accessible (RGAA), hébergement éthique la première année."),
        ("impression", "Création d'identité visuelle", 120000, "flat", (), "Logo, charte graphique et déclinaisons pour votre structure."),
        ("conseil-comptabilite", "Accompagnement à la communication", 55000, "day", (), "Une journée de conseil pour définir votre stratégie de communication."),
        ("culture-loisirs", "Reportage photo d'événement", 45000, "flat", (), "Demi-journée de prise de vue et livraison de cinquante photos retouchées."),
        ("conseil-comptabilite", "Formation « Réseaux sociaux pour associations »", 35000, "day", (), "Une journée pour construire votre ligne éditoriale et votre calendrier de publication."),
    ],
    "mutuelle-des-solidarites-dauphinoises": [
        ("conseil-comptabilite", "Atelier prévention santé au travail", 60000, "flat", (), "Un atelier de deux heures pour vos équipes : gestes et postures, prévention des risques psychosociaux."),
        ("conseil-comptabilite", "Diagnostic de protection sociale des salariés", 0, "flat", (), "Analyse de votre contrat collectif santé et prévoyance, sur devis."),
        ("conseil-comptabilite", "Formation premiers secours (PSC1)", 6500, "piece", (), "Formation de sept heures, certificat délivré, par participant."),
    ],
    "fruitiere-du-val-des-arves": [
        ("cremerie", "Beaufort d'alpage AOP", 3400, "kg", (LO,), "Beaufort au lait cru affiné douze mois dans nos caves, vendu à la coupe."),
        ("cremerie", "Tomme de Savoie IGP", 1850, "kg", (LO,), "Tomme fruitée affinée dix semaines."),
        ("cremerie", "Reblochon fermier AOP", 850, "piece", (LO,), "Reblochon fermier d'environ 450 g, pastille verte."),
        ("cremerie", "Raclette de la vallée", 2200, "kg", (LO,), "Fromage à raclette au lait cru, vendu par demi-meule ou à la coupe."),
        ("cremerie", "Yaourts fermiers nature (pack de quatre)", 380, "piece", (LO,), "Yaourts au lait entier de nos coopérateurs."),
        ("cremerie", "Beurre de baratte", 420, "piece", (LO,), "Plaquette de 250 g, baratté à l'ancienne."),
    ],
    "comptoir-des-deux-hemispheres": [
        ("cafes-thes", "Café équitable du Pérou en grains", 1150, "piece", (EQ, B), "Arabica de la coopérative Cecovasa, torréfié artisanalement à Lyon. Paquet de 500 g."),
        ("cafes-thes", "Café équitable d'Éthiopie moulu", 790, "piece", (EQ, B), "Moka Sidamo aux notes florales, mouture espresso. Paquet de 250 g."),
        ("cafes-thes", "Thé vert de Darjeeling équitable", 890, "piece", (EQ, B), "Thé vert de la plantation coopérative Potong. Boîte de 100 g."),
        ("cafes-thes", "Rooibos vanille équitable", 650, "piece", (EQ, B), "Rooibos de Wupperthal, sans théine. Sachet de 100 g."),
        ("epicerie-sucree", "Chocolat noir 70 % équitable", 350, "piece", (EQ, B), "Tablette de 100 g, cacao de République dominicaine."),
        ("epicerie-salee", "Riz basmati équitable", 520, "kg", (EQ, B), "Riz basmati de petits producteurs de l'Himalaya."),
        ("cafes-thes", "Abonnement café équitable (un mois)", 2200, "flat", (EQ, B), "Deux paquets de 500 g de nos cafés du moment chaque mois, livrés chez vous."),
    ],
    "hirondelles-voyages-solidaires": [
        ("voyages-solidaires", "Séjour solidaire au Sénégal (12 jours)", 145000, "flat", (EQ,), "Immersion en village dans la région de Fatick, hébergement chez l'habitant, rencontres avec des groupements de femmes. Vols non compris."),
        ("voyages-solidaires", "Randonnée solidaire au Maroc (8 jours)", 89000, "flat", (EQ,), "Trek dans le Haut-Atlas avec des guides berbères, nuits en gîtes villageois."),
        ("voyages-solidaires", "Séjour au Bénin : tourisme communautaire", 132000, "flat", (EQ,), "Découverte de la vallée de l'Ouémé avec une association de tourisme villageois."),
        ("voyages-solidaires", "Week-end solidaire en Chartreuse", 29000, "flat", (LO,), "Deux jours de randonnée et de rencontres avec des agriculteurs de montagne, pension complète."),
        ("voyages-solidaires", "Réunion d'information voyage solidaire", 0, "flat", (), "Soirée de présentation de nos séjours et de la charte du tourisme équitable."),
    ],
    "la-cabane-a-sons": [
        ("culture-loisirs", "Atelier d'éveil musical (trimestre)", 9000, "flat", (LO,), "Une séance hebdomadaire d'éveil musical pour les 3 à 6 ans, pendant un trimestre."),
        ("culture-loisirs", "Location de studio de répétition", 1500, "hour", (LO,), "Studio équipé (batterie, amplis, sonorisation) au cœur de Saint-Étienne."),
        ("culture-loisirs", "Enregistrement d'une maquette", 35000, "day", (LO,), "Une journée de studio avec ingénieur du son, mixage compris."),
        ("culture-loisirs", "Concert en entreprise", 150000, "flat", (LO,), "Formule concert acoustique pour vos événements, deux musiciens, une heure."),
        ("culture-loisirs", "Carte d'adhésion annuelle", 2000, "piece", (), "Soutenez la coopérative et accédez aux concerts à tarif réduit."),
    ],
    "lumen-numerique": [
        ("informatique-reconditionnee", "Ordinateur portable reconditionné 14 pouces", 29000, "piece", (RE,), "Core i5, 8 Go de mémoire, SSD 256 Go, Linux ou Windows installé. Garantie un an."),
        ("informatique-reconditionnee", "Ordinateur de bureau reconditionné", 19000, "piece", (RE,), "Unité centrale Core i5, 8 Go, SSD 240 Go, écran 22 pouces inclus. Garantie un an."),
        ("informatique-reconditionnee", "Écran 24 pouces reconditionné", 8900, "piece", (RE,), "Écran Full HD testé et nettoyé, câbles fournis."),
        ("informatique-reconditionnee", "Smartphone reconditionné", 17000, "piece", (RE,), "Smartphone grade A, batterie contrôlée, garantie un an."),
        ("informatique-reconditionnee", "Collecte et effacement sécurisé de matériel", 1500, "piece", (RE,), "Reprise de votre parc informatique avec effacement certifié des données, par poste."),
        ("informatique-reconditionnee", "Installation de Linux et formation", 6000, "flat", (RE,), "Installation d'un système libre sur votre ordinateur et une heure de prise en main."),
        ("informatique-reconditionnee", "Clavier et souris reconditionnés", 1500, "piece", (RE,), "Ensemble filaire nettoyé et testé."),
    ],
    "terre-crue-dauphinoise": [
        ("eco-construction", "Enduit terre crue (sac de 25 kg)", 2400, "piece", (LO,), "Enduit de finition à base de terre du Nord-Isère, prêt à gâcher."),
        ("eco-construction", "Brique de terre crue compressée", 180, "piece", (LO,), "Brique BTC 29 × 14 × 9 cm pour cloisons et murs intérieurs."),
        ("eco-construction", "Stage d'initiation à la construction en terre", 18000, "flat", (LO,), "Deux jours de pratique : pisé, bauge, enduits."),
        ("eco-construction", "Chantier d'enduit terre (journée)", 65000, "day", (LO,), "Une journée d'équipe pour vos enduits intérieurs."),
    ],
    "copeaux-du-trieves": [
        ("energie", "Plaquettes forestières (tonne)", 15000, "piece", (LO,), "Plaquettes de bois sec issues de forêts gérées durablement du Trièves, livrées en vrac."),
        ("energie", "Granulés de bois (sac de 15 kg)", 780, "piece", (LO,), "Granulés certifiés, fabriqués avec des sciures locales."),
        ("energie", "Bois bûche sec (stère)", 9500, "piece", (LO,), "Hêtre et chêne séchés deux ans, coupés en 33 cm."),
        ("epicerie-sucree", "Sirop d'érable des Alpes", 1200, "piece", (LO, B), "Sève d'érable plane récoltée et réduite au feu de bois. Flacon de 25 cl."),
    ],
    "les-coursiers-pedaleurs": [
        ("livraison-velo", "Course urgente à vélo (Lyon intra-muros)", 1200, "flat", (), "Enlèvement et livraison en moins d'une heure, jusqu'à 15 kg."),
        ("livraison-velo", "Tournée de livraison en vélo-cargo", 4500, "hour", (), "Vélo-cargo électrique et coursier pour vos tournées, jusqu'à 150 kg."),
        ("livraison-velo", "Abonnement livraisons du dernier kilomètre", 39000, "flat", (), "Forfait mensuel de 50 livraisons pour commerces de proximité."),
        ("livraison-velo", "Livraison de paniers à domicile", 500, "flat", (), "Livraison de vos courses ou paniers de producteurs, dans Lyon et Villeurbanne."),
    ],
    "relais-mobilite-du-chablais": [
        ("velos-reconditionnes", "Location de vélo électrique (semaine)", 4000, "flat", (INS, LO), "Vélo à assistance électrique avec antivol et casque, pour tester avant d'acheter."),
        ("reparation-velo", "Réparation de vélo solidaire", 2500, "hour", (INS, LO), "Réparation réalisée par un mécanicien en insertion, tarif horaire main-d'œuvre."),
        ("velos-reconditionnes", "Vélo électrique reconditionné", 95000, "piece", (RE, INS), "Vélo à assistance électrique révisé, batterie contrôlée, garantie un an."),
        ("culture-loisirs", "Cours « Remettre le pied à l'étrier »", 3000, "flat", (INS,), "Trois séances pour reprendre le vélo en ville en toute sécurité."),
    ],
    "fil-a-fil": [
        ("vetements", "Tote bag en tissu recyclé", 1500, "piece", (RE, INS, FM), "Sac cousu dans nos ateliers à partir de chutes de tissus d'ameublement."),
        ("linge-accessoires", "Lot de six lingettes démaquillantes lavables", 1200, "piece", (RE, INS, FM), "Coton recyclé et éponge de bambou, avec filet de lavage."),
        ("linge-accessoires", "Trousse zéro déchet", 1800, "piece", (RE, INS, FM), "Trousse doublée, fermeture éclair récupérée."),
        ("vetements", "Retouches et ourlets", 1200, "flat", (INS,), "Ourlet simple de pantalon ou de jupe, retour sous une semaine."),
        ("linge-accessoires", "Sac à vrac en coton (lot de trois)", 900, "piece", (RE, INS, FM), "Pour faire ses courses sans emballage."),
        ("vetements", "Tablier de cuisine upcyclé", 2500, "piece", (RE, INS, FM), "Tablier taillé dans des nappes et draps anciens."),
    ],
    "les-paysans-du-dome": [
        ("cremerie", "Saint-Nectaire fermier AOP", 2300, "kg", (LO,), "Saint-Nectaire fermier affiné sur paille de seigle."),
        ("fruits-legumes", "Lentilles blondes d'Auvergne", 680, "kg", (LO, B), "Lentilles cultivées sur les terres volcaniques de la Limagne."),
        ("epicerie-salee", "Terrine de campagne", 650, "piece", (LO,), "Terrine de porc fermier en bocal de 180 g."),
        ("boulangerie", "Farine de seigle bio", 350, "kg", (B, LO), "Seigle des plateaux, moulu à la ferme."),
        ("jus-sirops", "Jus de pomme artisanal", 380, "litre", (LO, B), "Pur jus pressé à froid, bouteille d'un litre."),
        ("fruits-legumes", "Colis de viande bovine Salers", 14500, "piece", (LO,), "Colis de 10 kg de viande de Salers élevée à l'herbe, sous vide."),
    ],
    "lames-vives": [
        ("decoration", "Couteau de table forgé", 4500, "piece", (FM, LO), "Couteau de table de Thiers, lame inox, manche en bois de hêtre local."),
        ("decoration", "Affûtage de couteaux", 600, "piece", (LO,), "Affûtage à la meule à eau, par couteau."),
        ("decoration", "Couteau pliant en acier recyclé", 6900, "piece", (FM, RE), "Lame forgée à partir d'acier de récupération, manche en chêne de tonneau."),
        ("decoration", "Stage de forge d'une journée", 19000, "flat", (FM,), "Forgez votre propre couteau avec un coutelier de la coopérative."),
    ],
    "filature-des-sucs": [
        ("linge-accessoires", "Pelote de laine mérinos d'Auvergne", 900, "piece", (LO, EQ), "Laine filée dans notre filature coopérative, teinture végétale. 100 g."),
        ("linge-accessoires", "Plaid en laine locale", 9500, "piece", (LO, FM), "Plaid tissé 130 × 170 cm en laine des Sucs."),
        ("eco-construction", "Isolant laine de mouton (rouleau)", 4800, "piece", (LO,), "Isolant naturel pour combles, rouleau de 5 m²."),
        ("vetements", "Chaussettes en laine", 1600, "piece", (LO, FM), "Chaussettes chaudes tricotées en Haute-Loire."),
        ("linge-accessoires", "Bonnet tricoté main", 2800, "piece", (LO, FM), "Bonnet en laine mérinos tricoté par nos coopératrices."),
    ],
    "les-simples-du-diois": [
        ("cafes-thes", "Tisane digestive bio", 650, "piece", (B, LO), "Verveine, menthe et mélisse cueillies dans le Diois. Sachet de 40 g."),
        ("cafes-thes", "Tisane du soir bio", 650, "piece", (B, LO), "Tilleul, camomille et lavande. Sachet de 40 g."),
        ("cosmetiques", "Huile essentielle de lavande fine bio", 950, "piece", (B, LO), "Lavande fine AOP distillée à la ferme. Flacon de 10 ml."),
        ("savons", "Savon à la lavande saponifié à froid", 600, "piece", (B, LO, FM), "Savon surgras à l'huile d'olive et à la lavande du Diois."),
        ("cosmetiques", "Baume à l'arnica bio", 1300, "piece", (B, LO, FM), "Baume réconfortant pour les muscles. Pot de 50 ml."),
        ("epicerie-sucree", "Miel de lavande bio", 1250, "piece", (B, LO), "Miel de lavande des plateaux du Diois. Pot de 500 g."),
        ("jus-sirops", "Sirop de sureau bio", 850, "piece", (B, LO), "Sirop de fleurs de sureau sauvage. Bouteille de 50 cl."),
    ],
    "seconde-planche": [
        ("bois-mobilier", "Étagère en bois de palette", 6500, "piece", (RE, INS, FM), "Étagère murale fabriquée avec des palettes récupérées, poncée et huilée."),
        ("bois-mobilier", "Table basse en bois de récupération", 14000, "piece", (RE, INS, FM), "Table basse 100 × 50 cm en chêne de récupération."),
        ("mobilier-occasion", "Chaise remise à neuf", 4500, "piece", (RE, INS), "Chaise de bistrot restaurée, assise retapissée."),
        ("bois-mobilier", "Bac à compost en bois", 7500, "piece", (RE, INS), "Composteur 400 L en planches de réemploi."),
        ("bois-mobilier", "Mobilier sur mesure en bois de réemploi", 0, "flat", (RE, INS), "Étude et fabrication de mobilier pour vos locaux, sur devis."),
    ],
    "les-bogues-ardechoises": [
        ("epicerie-sucree", "Crème de marrons d'Ardèche bio", 590, "piece", (B, LO), "Crème de marrons vanillée, châtaignes AOP d'Ardèche. Pot de 330 g."),
        ("boulangerie", "Farine de châtaigne bio", 1400, "kg", (B, LO), "Châtaignes séchées à la clède puis moulues."),
        ("epicerie-sucree", "Marrons glacés artisanaux", 2200, "piece", (LO, FM), "Boîte de douze marrons glacés confits pendant cinq jours."),
        ("vins-bieres", "Bière blonde à la châtaigne", 390, "piece", (B, LO), "Bière artisanale brassée avec nos châtaignes. Bouteille de 33 cl."),
        ("epicerie-sucree", "Confiture de châtaigne bio", 580, "piece", (B, LO), "Confiture onctueuse. Pot de 330 g."),
        ("epicerie-salee", "Châtaignes entières au naturel", 650, "piece", (B, LO), "Châtaignes pelées et cuites, en bocal de 400 g."),
    ],
    "haut-bugey-adapte": [
        ("logistique-conditionnement", "Démantèlement de matériel électronique", 2200, "hour", (HA, RE), "Tri et démantèlement de déchets d'équipements électriques, traçabilité assurée."),
        ("decoration", "Jouet en bois fabriqué en EA", 2500, "piece", (HA, FM), "Petit train en hêtre massif, finition à l'huile alimentaire."),
        ("logistique-conditionnement", "Injection et assemblage plasturgie", 3400, "hour", (HA,), "Sous-traitance industrielle dans la Plastics Vallée, par nos équipes en entreprise adaptée."),
        ("nettoyage", "Nettoyage de bureaux", 2900, "hour", (HA,), "Entretien régulier de vos locaux professionnels."),
        ("espaces-verts", "Entretien d'espaces verts d'entreprise", 3600, "hour", (HA,), "Tonte, taille, désherbage sans pesticides pour vos sites."),
    ],
    "les-semeurs-du-bocage": [
        ("fruits-legumes", "Panier de légumes du bocage", 1500, "piece", (B, LO), "Légumes bio de nos maraîchers bourbonnais, panier hebdomadaire."),
        ("fruits-legumes", "Œufs bio de poules plein air (douzaine)", 480, "piece", (B, LO), "Œufs pondus dans le bocage bourbonnais."),
        ("boulangerie", "Pain au levain bio (1 kg)", 600, "piece", (B, LO, FM), "Pain de campagne au levain naturel, cuit au feu de bois."),
        ("jus-sirops", "Jus de pomme-poire bio", 420, "litre", (B, LO), "Pommes et poires de vergers hautes tiges."),
        ("epicerie-salee", "Huile de colza bio pressée à froid", 690, "litre", (B, LO), "Huile vierge de colza du bocage, riche en oméga 3."),
    ],
    "burons-vivants": [
        ("voyages-solidaires", "Séjour « Vie de buron » (3 jours)", 39000, "flat", (LO,), "Trois jours en estive avec les buronniers du Cantal : traite, fabrication du fromage, randonnées."),
        ("voyages-solidaires", "Randonnée accompagnée sur l'estive", 3500, "piece", (LO,), "Journée de randonnée avec un accompagnateur et repas au buron."),
        ("culture-loisirs", "Veillée contes et musique au buron", 1500, "piece", (LO,), "Soirée conte et musique traditionnelle, soupe au fromage comprise."),
        ("voyages-solidaires", "Séminaire d'entreprise en montagne", 250000, "flat", (LO,), "Deux jours pour vos équipes, hébergement en gîte, ateliers avec les habitants."),
    ],
    "editions-du-semnoz": [
        ("impression", "Roman « Les Saisons du Semnoz »", 1900, "piece", (LO,), "Premier roman d'une autrice haut-savoyarde, imprimé sur papier recyclé."),
        ("impression", "Guide des sentiers des Bauges", 1500, "piece", (LO,), "Trente randonnées commentées, cartes et histoire locale."),
        ("impression", "Impression de brochures sur papier recyclé", 45000, "flat", (), "Impression de 500 brochures de 16 pages, encres végétales."),
        ("impression", "Accompagnement à l'auto-édition", 90000, "flat", (), "Correction, mise en page et impression de votre livre."),
        ("livres-jeux", "Carnet de notes en papier recyclé", 900, "piece", (RE, FM), "Carnet A5 de 96 pages, reliure cousue."),
    ],
    "comptes-justes": [
        ("conseil-comptabilite", "Tenue de comptabilité associative", 6500, "flat", (), "Tenue mensuelle de la comptabilité d'une association employeuse, forfait par mois."),
        ("conseil-comptabilite", "Établissement des comptes annuels", 120000, "flat", (), "Bilan, compte de résultat et annexe, dépôt des comptes."),
        ("conseil-comptabilite", "Formation « Lire un bilan »", 45000, "day", (), "Une journée pour les administrateurs bénévoles."),
        ("conseil-comptabilite", "Paie et déclarations sociales", 2800, "piece", (), "Établissement d'un bulletin de paie et des déclarations, par salarié et par mois."),
    ],
    "le-bocal-voyageur": [
        ("epicerie-salee", "Kit de bocaux consignés", 1200, "piece", (RE,), "Six bocaux en verre avec couvercles, consignés et lavés par notre station de lavage."),
        ("epicerie-salee", "Lentilles vertes en vrac (bocal consigné)", 590, "piece", (RE, LO, B), "Un kilo de lentilles vertes du Puy dans un bocal consigné."),
        ("epicerie-sucree", "Granola maison en bocal", 790, "piece", (RE, FM), "Granola aux noix et au miel local, bocal de 500 g consigné."),
        ("logistique-conditionnement", "Service de lavage de contenants réemployables", 25, "piece", (RE,), "Lavage industriel de vos bocaux et contenants, tarif à l'unité, pour restaurateurs et épiceries."),
        ("savons", "Lessive liquide en vrac", 490, "litre", (RE,), "Lessive écologique à base de savon de Marseille, à remplir dans votre bidon."),
        ("entretien-maison", "Vinaigre ménager en vrac", 280, "litre", (RE,), "Vinaigre blanc 14 °, l'indispensable du ménage au naturel."),
    ],
}

# Offers of categories sold to businesses only (quote-only for professionals).
B2B_ONLY = {"mise-a-disposition", "logistique-conditionnement", "conseil-comptabilite", "eco-construction"}
B2B_AND_B2C = {"traiteur-restauration", "nettoyage", "espaces-verts", "impression", "livraison-velo", "energie", "informatique-reconditionnee"}
VAT_BY_CATEGORY = {
    "fruits-legumes": 550, "epicerie-sucree": 550, "epicerie-salee": 550, "cremerie": 550, "boulangerie": 550,
    "cafes-thes": 550, "jus-sirops": 550, "traiteur-restauration": 1000, "livres-jeux": 550,
    "voyages-solidaires": 1000, "culture-loisirs": 550, "reparation-velo": 2000,
}
SERVICE_UNITS = {"hour", "day", "flat"}
SERVICE_CATEGORIES = {
    "mise-a-disposition", "conseil-comptabilite", "nettoyage", "espaces-verts", "reparation-velo",
    "livraison-velo", "voyages-solidaires", "logistique-conditionnement",
}
PICKUP_HOURS = (
    "Du mardi au vendredi de 9 h à 18 h, le samedi de 9 h à 12 h.",
    "Mercredi de 14 h à 19 h et samedi de 9 h à 13 h.",
    "Du lundi au vendredi de 8 h 30 à 17 h.",
    "Vendredi de 16 h à 19 h (point de retrait hebdomadaire).",
)
EXTRA_PARAGRAPHS = (
    "Chaque achat soutient directement l'emploi et le projet social de **{name}**.",
    "Proposé par {name}, structure de l'économie sociale et solidaire agréée par le comité d'éthique.",
    "Une question ? Contactez {name} : l'équipe vous répond sous 48 heures ouvrées.",
)


def seed_categories(ctx: SeedContext) -> None:
    for position, (slug, name, children) in enumerate(CATEGORY_TREE):
        parent, _ = ctx.get_or_create(Category, {"slug": slug}, {"name": name, "position": position})
        for child_position, (child_slug, child_name) in enumerate(children):
            ctx.get_or_create(
                Category,
                {"slug": child_slug},
                {"name": child_name, "position": child_position, "parent_id": parent.id},
            )


def offer_specs() -> list[tuple[str, tuple]]:
    return [(vendor_slug, spec) for vendor_slug, specs in OFFERS.items() for spec in specs]


def _offer_values(ctx: SeedContext, vendor: Vendor, index: int, spec: tuple, categories: dict[str, Category]) -> dict[str, Any]:
    category_slug, title, price_cents, unit, labels, text = spec
    rng = ctx.rng("offer", vendor.slug, index)
    unit_enum = Unit(unit)
    is_service = unit in SERVICE_UNITS or category_slug in SERVICE_CATEGORIES and unit != "kg"
    kind = OfferKind.SERVICE if is_service else OfferKind.PRODUCT
    if price_cents == 0 or category_slug in B2B_ONLY:
        channels = Channels.B2B
    elif category_slug in B2B_AND_B2C:
        channels = Channels.BOTH
    else:
        channels = Channels.B2C
    if price_cents == 0:
        price_cents = 100  # quote-only: an indicative floor never sold online
    vat = VAT_BY_CATEGORY.get(category_slug, 2000)
    if category_slug == "traiteur-restauration" and "Cours" in title:
        vat = 2000
    stock = None
    if kind is OfferKind.PRODUCT:
        stock = None if rng.random() < 0.25 else rng.choice((0, 2, 3, 5, 8, 12, 20, 30, 50, 80))
        if stock == 0 and rng.random() < 0.7:
            stock = 15
    pickup = kind is OfferKind.PRODUCT or rng.random() < 0.3
    delivery = kind is OfferKind.PRODUCT and (rng.random() < 0.7 or not pickup)
    if kind is OfferKind.SERVICE and not pickup:
        delivery = True  # performed at the customer's place
    fee = rng.choice((0, 390, 490, 590, 690, 890)) if delivery and kind is OfferKind.PRODUCT else 0
    description = text + "\n\n" + rng.choice(EXTRA_PARAGRAPHS).format(name=vendor.name)
    if kind is OfferKind.PRODUCT and rng.random() < 0.4:
        description += "\n\n- Retrait possible sur place\n- Emballage réemployable ou recyclable"
    published_days_ago = rng.randrange(1, 120)
    published_at = ctx.days_ago(published_days_ago, hour=8 + rng.randrange(10), minute=rng.randrange(60))
    status = OfferStatus.PUBLISHED
    roll = rng.random()
    if roll < 0.04:
        status = OfferStatus.DRAFT
        published_at = None
    elif roll < 0.07:
        status = OfferStatus.UNPUBLISHED
    created_at = (published_at or ctx.days_ago(published_days_ago)) - dt.timedelta(days=rng.randrange(1, 10))
    return {
        "category_id": categories[category_slug].id,
        "kind": kind,
        "title": title,
        "description_text": description,
        "description_html": markup.render(description),
        "price_cents": price_cents,
        "vat_rate_bp": vat,
        "unit": unit_enum,
        "stock": stock,
        "channels": channels,
        "pickup": pickup,
        "pickup_hours": rng.choice(PICKUP_HOURS) if pickup else None,
        "delivery": delivery,
        "delivery_fee_cents": fee,
        "status": status,
        "published_at": published_at,
        "created_at": created_at,
        "updated_at": published_at or created_at,
        "_labels": list(labels),
    }


def seed_offers(ctx: SeedContext) -> None:
    categories = {c.slug: c for c in ctx.session.scalars(sa.select(Category))}
    vendors = {v.slug: v for v in ctx.session.scalars(sa.select(Vendor).where(Vendor.slug.in_(OFFERS)))}
    for vendor_slug, specs in OFFERS.items():
        vendor = vendors.get(vendor_slug)
        if vendor is None or vendor.status is not VendorStatus.APPROVED:
            continue
        for index, spec in enumerate(specs):
            slug = slugify(spec[1])[:160]
            values = _offer_values(ctx, vendor, index, spec, categories)
            labels = values.pop("_labels")
            offer, created = ctx.get_or_create(Offer, {"vendor_id": vendor.id, "slug": slug}, values)
            if created:
                offer.set_labels(labels)
    ctx.session.flush()


# More references of the same families, so that the demo catalogue feels full.
OFFERS["le-panier-des-cimes"] += [
    ("epicerie-sucree", "Confiture d'abricots du Roussillon isérois", 650, "piece", (B, LO, FM), "Abricots mûris sur l'arbre, cuisson lente. Pot de 340 g."),
    ("epicerie-sucree", "Confiture de fraises bio", 650, "piece", (B, LO, FM), "Fraises de pleine terre et sucre de canne équitable. Pot de 340 g."),
    ("epicerie-sucree", "Gelée de cassis", 690, "piece", (B, LO, FM), "Cassis du Trièves, une gelée intense et acidulée. Pot de 340 g."),
    ("epicerie-sucree", "Miel de sapin des Alpes", 1350, "piece", (LO,), "Miel de miellat au goût boisé et malté. Pot de 500 g."),
]
OFFERS["comptoir-des-deux-hemispheres"] += [
    ("cafes-thes", "Café équitable du Honduras en grains", 1090, "piece", (EQ, B), "Arabica de la coopérative COMSA, notes de caramel. Paquet de 500 g."),
    ("cafes-thes", "Café équitable de Colombie moulu", 720, "piece", (EQ, B), "Café doux et rond de l'Association des producteurs du Cauca. Paquet de 250 g."),
    ("cafes-thes", "Café décaféiné équitable", 790, "piece", (EQ, B), "Décaféiné à l'eau, sans solvant. Paquet de 250 g."),
    ("epicerie-sucree", "Sucre de canne complet équitable", 420, "kg", (EQ, B), "Sucre complet non raffiné des Philippines."),
]
OFFERS["lumen-numerique"] += [
    ("informatique-reconditionnee", "Ordinateur portable reconditionné 13 pouces ultraléger", 34000, "piece", (RE,), "Core i5, 16 Go de mémoire, SSD 512 Go, 1,2 kg. Garantie un an."),
    ("informatique-reconditionnee", "Ordinateur portable reconditionné 15 pouces", 26000, "piece", (RE,), "Core i3, 8 Go, SSD 256 Go, pavé numérique. Garantie un an."),
    ("informatique-reconditionnee", "Tablette reconditionnée 10 pouces", 14900, "piece", (RE,), "Tablette 64 Go, batterie contrôlée, étui offert."),
]
OFFERS["les-simples-du-diois"] += [
    ("savons", "Savon au miel et à l'avoine", 600, "piece", (B, LO, FM), "Savon doux pour peaux sensibles, saponifié à froid."),
    ("savons", "Savon à l'argile verte", 600, "piece", (B, FM), "Savon purifiant pour peaux mixtes."),
    ("cosmetiques", "Hydrolat de lavande bio", 890, "piece", (B, LO), "Eau florale de lavande fine, tonique pour le visage. 200 ml."),
]
OFFERS["atelier-velo-du-drac"] += [
    ("velos-reconditionnes", "Vélo cargo reconditionné", 89000, "piece", (RE, LO), "Biporteur révisé pour transporter enfants ou courses."),
    ("reparation-velo", "Réparation de crevaison", 1200, "flat", (LO,), "Réparation ou remplacement de chambre à air, pièce comprise."),
]
OFFERS["la-ressourcerie-des-deux-rives"] += [
    ("mobilier-occasion", "Bibliothèque en bois massif", 9500, "piece", (RE, INS), "Bibliothèque cinq étagères restaurée."),
    ("electromenager-reconditionne", "Four micro-ondes reconditionné", 4500, "piece", (RE, INS), "Micro-ondes 20 L testé et garanti six mois."),
]
OFFERS["fil-a-fil"] += [
    ("linge-accessoires", "Bee wrap (lot de trois emballages à la cire)", 1600, "piece", (RE, INS, FM), "Emballages alimentaires en coton enduit de cire d'abeille, réutilisables un an."),
    ("vetements", "Sweat upcyclé unique", 4500, "piece", (RE, INS, FM), "Sweat recomposé à partir de pièces de seconde main, modèle unique."),
]
OFFERS["les-bogues-ardechoises"] += [
    ("epicerie-sucree", "Crème de marrons nature bio", 560, "piece", (B, LO), "Sans vanille, pour la pâtisserie. Pot de 330 g."),
]
OFFERS["les-cuisines-partagees"] += [
    ("traiteur-restauration", "Repas de séminaire (par personne)", 2200, "piece", (INS, LO), "Déjeuner chaud servi à table, produits locaux et de saison."),
]
OFFERS["fruitiere-du-val-des-arves"] += [
    ("cremerie", "Fondue savoyarde prête à cuire (pour quatre)", 2600, "piece", (LO,), "Mélange Beaufort, Abondance et Tomme, 800 g."),
]
