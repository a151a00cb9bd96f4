from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews"

    def ready(self) -> None:
        # Incidents never import reviews: we listen to its signal and add to its page through its hook.
        from incidents.hooks import register_incident_panel
        from incidents.metrics import register_wrong_routing_evidence
        from incidents.signals import incident_resolved

        from .change_requests import connect as connect_change_requests
        from .receivers import on_incident_resolved, review_panel, routed_wrong_in_review

        incident_resolved.connect(on_incident_resolved, dispatch_uid="reviews.on_incident_resolved")
        register_incident_panel(review_panel)

        from matrix.hooks import register_demo_extension

        from .demo import load_reviews

        register_demo_extension(load_reviews)  # before the parts below: their demos read published reviews
        register_wrong_routing_evidence(routed_wrong_in_review)
        connect_change_requests()

        from .drills.ready import connect as connect_drills
        from .matrix_reviews.ready import connect as connect_matrix_reviews
        from .training.ready import connect as connect_training

        connect_matrix_reviews()
        connect_drills()
        connect_training()
