"""Réglages communs. Chaque variable d'environnement est lue ici et listée dans .env.example."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(nom, defaut=None):
    return os.environ.get(nom, defaut)


def env_bool(nom, defaut=False):
    valeur = os.environ.get(nom)
    if valeur is None:
        return defaut
    return valeur.strip().lower() in {"1", "true", "vrai", "oui", "yes", "on"}


SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-uniquement-ne-pas-utiliser-en-production")
DEBUG = False
ALLOWED_HOSTS = [h for h in env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
# Adresse publique du portail, utilisée dans les courriels et les retours OIDC.
URL_PORTAIL = env("URL_PORTAIL", "http://127.0.0.1:8000").rstrip("/")
# Adresse de contact du service (déclaration d'accessibilité) ; vide : seul le courrier postal est proposé.
COURRIEL_CONTACT = env("COURRIEL_CONTACT", "")
# Adresse du délégué à la protection des données (page « Données personnelles ») ; vide : courrier postal seulement.
COURRIEL_DPD = env("COURRIEL_DPD", "")
# Mentions légales (page /mentions-legales/) : directeur de la publication et hébergeur réel du service.
MENTIONS_DIRECTION_PUBLICATION = env(
    "MENTIONS_DIRECTION_PUBLICATION", "Le secrétaire général du ministère de la Justice"
)
MENTIONS_HEBERGEUR = env("MENTIONS_HEBERGEUR", "Ministère de la Justice, 13 place Vendôme, 75042 Paris Cedex 01")

INSTALLED_APPS = [
    # Admin de Django avec le site du portail (portail/admin_site.py) : outil « bris de glace ».
    "portail.apps.AdminPortailConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Recherche plein texte des dossiers (PostgreSQL ; sans effet sur SQLite).
    "django.contrib.postgres",
    # dsfr avant django.forms : ses gabarits de formulaires remplacent ceux de Django.
    "dsfr",
    "django.forms",
    "widget_tweaks",
    "formtools",
    "allauth",
    "allauth.account",
    "mozilla_django_oidc",
    "portail",
    "precontentieux",
    "declarations",
    "usagers",
    "faq",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "portail.middleware.NonceCspMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cookie signé « connecté auparavant » : seule condition pour conserver une saisie après expiration.
    "portail.saisie_conservee.CookieConnexionMiddleware",
    "portail.signals.ActeurCourantMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "portail.urls"
WSGI_APPLICATION = "portail.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portail.context_processors.site_config",
                "portail.context_processors.navigation",
            ],
            # `date_fr` dans tous les gabarits : « 1er janvier 2026 » (le filtre `date` écrit « 1 janvier »).
            "builtins": ["portail.templatetags.dates_fr"],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.parse(env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portail.Utilisateur"
AUTHENTICATION_BACKENDS = [
    "portail.oidc.backends.ProConnectBackend",
    "portail.oidc.backends.FranceConnectBackend",
    "portail.comptes.backends.AuthentificationParCourriel",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "portail:connexion"
LOGIN_REDIRECT_URL = "portail:apres_connexion"
LOGOUT_REDIRECT_URL = "portail:accueil"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Fichiers déposés : privés, jamais servis directement.
MEDIA_ROOT = Path(env("DOSSIER_FICHIERS", str(BASE_DIR / "fichiers")))
# Stockage objet compatible S3 (django-storages + boto3) dès que S3_BUCKET est défini : indispensable à
# plusieurs instances web (docs/exploitation.md). Seau privé : aucune URL publique n'est jamais donnée, les
# fichiers passent toujours par les vues qui vérifient les droits (portail.fichiers.reponse_telechargement).
# Sans S3_BUCKET : disque local (mode embarqué, une seule instance).
S3_BUCKET = env("S3_BUCKET", "")
STOCKAGE_FICHIERS = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_URL") or None,
            "region_name": env("S3_REGION") or None,
            "access_key": env("S3_CLE_ACCES") or None,
            "secret_key": env("S3_CLE_SECRETE") or None,
            "addressing_style": env("S3_STYLE_ADRESSAGE", "path"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
            "location": env("S3_PREFIXE", ""),
        },
    }
    if S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": STOCKAGE_FICHIERS,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Sessions en base, lues depuis le cache quand il est partagé (Redis) : le tiers web reste sans état et
# une requête connectée économise une lecture SQL (docs/performance.md). Sans Redis (mode embarqué),
# le cache est lui-même en base : sessions en base seulement.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if env("REDIS_URL") else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Page DSFR d'échec CSRF (jeton périmé après une reconnexion dans un autre onglet) qui garde la saisie.
CSRF_FAILURE_VIEW = "portail.views.echec_csrf"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy native de Django 6 : scripts seulement depuis notre origine ou avec nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Courriels : Django 6.1 utilise MAILERS.
DEFAULT_FROM_EMAIL = env(
    "COURRIEL_EXPEDITEUR", "Mon Indemnisation Justice <ne-pas-repondre@indemnisation.justice.gouv.fr>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Adresse de contact du Bureau du précontentieux donnée aux usagers (courriel d'invitation) ; vide : seule
# l'adresse postale est donnée.
COURRIEL_CONTACT_USAGERS = env("COURRIEL_CONTACT_USAGERS", "")
MAILERS = {
    "default": {
        "BACKEND": "portail.smtp.EmailBackend",
        "OPTIONS": {
            "host": env("SMTP_HOTE", "127.0.0.1"),
            "port": int(env("SMTP_PORT", "1025")),
            "username": env("SMTP_UTILISATEUR", ""),
            "password": env("SMTP_MOT_DE_PASSE", ""),
            "use_tls": env_bool("SMTP_TLS", False),
            "timeout": 30,
        },
    }
}

# Celery : Redis comme broker ; en mode embarqué les tâches s'exécutent dans le processus.
CELERY_BROKER_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TACHES_SYNCHRONES", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_MAX_RETRIES = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "socket_timeout": 2, "socket_connect_timeout": 2}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "balayage-courriels": {"task": "portail.tasks.balayer_courriels", "schedule": 60.0},
    "balayage-analyses": {"task": "portail.tasks.balayer_analyses", "schedule": 120.0},
    # Sessions expirées (et saisies conservées qu'elles portent) retirées chaque nuit.
    "purge-sessions": {"task": "portail.tasks.purger_sessions", "schedule": crontab(hour=3, minute=15)},
    # Horloge légale : récapitulatif des échéances aux rédacteurs, chaque matin (docs/horloge-legale.md).
    "recapitulatif-echeances": {
        "task": "precontentieux.tasks.envoyer_recapitulatifs_echeances",
        "schedule": crontab(hour=7, minute=0),
    },
    # Relance des usagers sans réponse à une demande de compléments depuis 15 jours (une fois par jour, 9 h).
    "relance-complements": {
        "task": "precontentieux.tasks.relancer_complements",
        "schedule": crontab(hour=9, minute=0),
    },
    # Relances et clôtures automatiques (docs/relances.md) : usagers (9 h 30), agents (chaque heure).
    "relance-demandes": {
        "task": "precontentieux.tasks.relancer_demandes_a_completer",
        "schedule": crontab(hour=9, minute=30),
    },
    "relance-agents": {"task": "declarations.tasks.relancer_agents", "schedule": crontab(minute=20)},
    # Calendrier de conservation (docs/rgpd.md), chaque nuit.
    "purge-rgpd": {"task": "precontentieux.tasks.purger_donnees_personnelles", "schedule": crontab(hour=2, minute=30)},
}


def reglage_cache(url_redis):
    """Cache Redis tolérant aux pannes (portail/cache_tolerant.py : les limiteurs s'ouvrent si Redis est arrêté),
    ou cache en base en mode embarqué."""
    if not url_redis:
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_portail"}
    return {
        "BACKEND": "portail.cache_tolerant.CacheRedisTolerant",
        "LOCATION": url_redis,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


CACHES = {"default": reglage_cache(env("REDIS_URL"))}

# OIDC : ProConnect (agents) et FranceConnect (usagers). Les URL viennent de la découverte.
OIDC_FOURNISSEURS = {
    "proconnect": {
        "URL_DECOUVERTE": env(
            "PROCONNECT_URL_DECOUVERTE",
            "http://127.0.0.1:8001/proconnect/.well-known/openid-configuration",
        ),
        "CLIENT_ID": env("PROCONNECT_CLIENT_ID", "portail-proconnect"),
        "CLIENT_SECRET": env("PROCONNECT_CLIENT_SECRET", "secret-local-proconnect"),
        "SCOPES": "openid email given_name usual_name siret uid",
        "ACR": env("PROCONNECT_ACR", ""),
    },
    "franceconnect": {
        "URL_DECOUVERTE": env(
            "FRANCECONNECT_URL_DECOUVERTE",
            "http://127.0.0.1:8001/franceconnect/.well-known/openid-configuration",
        ),
        "CLIENT_ID": env("FRANCECONNECT_CLIENT_ID", "portail-franceconnect"),
        "CLIENT_SECRET": env("FRANCECONNECT_CLIENT_SECRET", "secret-local-franceconnect"),
        "SCOPES": "openid given_name family_name preferred_username birthdate birthplace birthcountry gender email",
        "ACR": env("FRANCECONNECT_ACR", "eidas1"),
    },
}


def _origine(url):
    from urllib.parse import urlsplit

    morceaux = urlsplit(url)
    return f"{morceaux.scheme}://{morceaux.netloc}"


# Les formulaires (connexion, déconnexion) redirigent vers les fournisseurs d'identité.
SECURE_CSP["form-action"] = [CSP.SELF] + sorted({_origine(f["URL_DECOUVERTE"]) for f in OIDC_FOURNISSEURS.values()})

OIDC_TIMEOUT = 10
OIDC_STATE_SIZE = 48
OIDC_NONCE_SIZE = 48

# django-allauth : comptes par courriel des usagers, sans nom d'utilisateur.
ACCOUNT_ADAPTER = "portail.comptes.adapter.AdaptateurCompte"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_FORMS = {
    "login": "portail.comptes.forms.FormulaireConnexion",
    "signup": "portail.comptes.forms.FormulaireInscription",
    "reset_password": "portail.comptes.forms.FormulaireReinitialisation",
    "reset_password_from_key": "portail.comptes.forms.FormulaireNouveauMotDePasse",
    "change_password": "portail.comptes.forms.FormulaireChangementMotDePasse",
    "add_email": "portail.comptes.forms.FormulaireAjoutAdresse",
}
# Derrière un proxy inverse, nombre de proxys de confiance devant le portail : l'adresse du client est lue
# dans X-Forwarded-For en sautant ce nombre de proxys (portail/reseau.py, pour tous les limiteurs et le
# journal d'audit). 0 : seul REMOTE_ADDR compte (développement).
NOMBRE_PROXYS_DE_CONFIANCE = int(env("DJANGO_NOMBRE_PROXYS_DE_CONFIANCE", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = NOMBRE_PROXYS_DE_CONFIANCE

# Limitation de débit : un seul limiteur, celui de django-allauth (portail/limiteurs.py). Format
# « nombre/durée/par » : par ip, par key (adresse saisie, jeton…) ou par user (compte connecté).
ACCOUNT_RATE_LIMITS = {
    "login": "20/m/ip",
    "login_failed": "5/5m/ip,5/5m/key",
    "signup": "10/h/ip",
    "reset_password": "5/h/ip,3/h/key",
    "reset_password_from_key": "10/h/ip",
    "confirm_email": "3/10m/key",
}
# Limites des autres routes (portail.limiteurs.consommer), au même format.
LIMITES_DE_DEBIT = {
    # Ouverture d'un lien d'invitation (jetons inconnus compris) : par adresse IP.
    "invitation": "20/10m/ip",
    # Invitations envoyées par un même agent (déclarations envoyées et invitations renvoyées).
    "invitation_agent": "20/h/user,50/d/user",
    # Nouveau lien d'invitation en libre-service : par adresse IP et par adresse saisie.
    "nouveau_lien": "10/h/ip,3/d/key",
    # Connexion à l'administration Django (superutilisateurs) : échecs par adresse IP et par identifiant saisi.
    "connexion_admin": "10/15m/ip,5/15m/key",
    # Codes à usage unique (portail/codes.py) : envois par compte, et par adresse destinataire.
    "code": "5/h/user,20/d/user",
    "code_adresse": "5/h/key,20/d/key",
}

DSFR_MARK_OPTIONAL_FIELDS = True
# Pages publiques servies depuis le cache aux visiteurs anonymes (portail/cache.py) ; identifiant du
# déploiement (SHA du commit, par exemple) qui renouvelle ces pages à chaque mise en production.
PAGES_PUBLIQUES_EN_CACHE = True
VERSION_PORTAIL = env("VERSION_PORTAIL", "")
DSFR_USE_INTEGRITY_CHECKSUMS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("NIVEAU_JOURNAL", "INFO")},
}

# Fichiers déposés (docs/fichiers.md) : budget de l'analyse, quotas, antivirus.
# L'analyse (décodage des images, lecture des PDF) tourne dans un sous-processus borné en mémoire et en temps.
FICHIERS_PIXELS_MAX = int(env("FICHIERS_PIXELS_MAX", "50000000"))  # photos de téléphone : 12 à 48 Mpx
FICHIERS_PAGES_PDF_MAX = int(env("FICHIERS_PAGES_PDF_MAX", "500"))
FICHIERS_ANALYSE_MEMOIRE_MO = int(env("FICHIERS_ANALYSE_MEMOIRE_MO", "1024"))
FICHIERS_ANALYSE_TEMPS_CPU = int(env("FICHIERS_ANALYSE_TEMPS_CPU", "20"))
FICHIERS_ANALYSE_DUREE_MAX = float(env("FICHIERS_ANALYSE_DUREE_MAX", "30"))
FICHIERS_ANALYSE_ISOLEE = True
# Quotas par compte : demandes ouvertes (sans déclaration des forces de l'ordre), octets par demande,
# fichiers déposés par heure (déclarations et demandes, acceptés ou refusés).
QUOTA_DEMANDES_OUVERTES = int(env("QUOTA_DEMANDES_OUVERTES", "3"))
QUOTA_OCTETS_PAR_DEMANDE = int(env("QUOTA_MO_PAR_DEMANDE", "150")) * 1024 * 1024
QUOTA_TELEVERSEMENTS_PAR_HEURE = int(env("QUOTA_TELEVERSEMENTS_PAR_HEURE", "60"))
# Antivirus : socket Unix de clamd (paquet Debian clamav-daemon : /run/clamav/clamd.ctl). Vide = analyse
# désactivée (mode embarqué seulement : refusé par `manage.py check --deploy`).
CLAMAV_SOCKET = env("CLAMAV_SOCKET", "")
CLAMAV_DELAI = float(env("CLAMAV_DELAI", "60"))
