import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings.dev")

app = Celery("portail")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def reessayer_indefiniment(conf):
    """Worker et beat : reconnexion au broker sans limite (au démarrage comme après une coupure de Redis).

    Les réglages de base bornent les tentatives pour que le côté web ne fasse jamais attendre une requête
    (la ligne de la boîte d'envoi reste en base, le balayage la rattrape) ; un worker, lui, ne doit jamais
    s'arrêter parce que Redis a disparu quelques secondes : il attend son retour et reprend.
    """
    conf.broker_connection_retry_on_startup = True
    conf.broker_connection_max_retries = None
    conf.broker_transport_options = {**(conf.broker_transport_options or {}), "max_retries": None}


@signals.celeryd_init.connect
def _worker_reessaie_indefiniment(conf=None, **kwargs):
    reessayer_indefiniment(conf if conf is not None else app.conf)


@signals.beat_init.connect
def _beat_reessaie_indefiniment(sender=None, **kwargs):
    reessayer_indefiniment(app.conf)
