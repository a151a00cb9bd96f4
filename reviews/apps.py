from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews"

    def ready(self) -> None:
        # Incidents never import reviews: we listen to its signal and add to its page through its hook.
        from incidents.hooks import register_incident_panel
        from incidents.signals import incident_resolved

        from .receivers import on_incident_resolved, review_panel

        incident_resolved.connect(on_incident_resolved, dispatch_uid="reviews.on_incident_resolved")
        register_incident_panel(review_panel)

        from .drills.ready import connect as connect_drills
        from .matrix_reviews.ready import connect as connect_matrix_reviews
        from .training.ready import connect as connect_training

        connect_matrix_reviews()
        connect_drills()
        connect_training()
