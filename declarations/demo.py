from declarations.serruriers import semer_serruriers_demo


def semer():
    """Point d'entrée de `semer_demo` pour cette application : serruriers fictifs."""
    return semer_serruriers_demo()
