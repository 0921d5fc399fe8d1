# Image du portail : web (gunicorn), worker et beat Celery partagent cette image.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portail.settings.prod

# Bibliothèques de WeasyPrint (courriers PDF) et polices.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock .
RUN pip install -r requirements.lock

COPY . .
# Fichiers statiques compressés et versionnés (servis par WhiteNoise). La clé ne sert qu'à cette étape.
RUN DJANGO_SECRET_KEY=construction-uniquement python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 portail \
    && mkdir -p /app/fichiers \
    && chown portail:portail /app/fichiers
USER portail

EXPOSE 8000
CMD ["gunicorn", "portail.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
