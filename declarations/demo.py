from declarations.demo_dossiers import semer_dossiers_demo
from declarations.serruriers import semer_serruriers_demo


def semer():
    """Point d'entrée de `semer_demo` pour cette application : serruriers fictifs, dossiers de démonstration."""
    return semer_serruriers_demo() + semer_dossiers_demo()
