"""The one indexer of a solution: its public text, for everyone, once published."""

from territoria.search import Document
from territoria.search.access import PUBLIC, capability_token

NAMESPACE = "catalogue"


class SolutionIndexer:
    namespace = NAMESPACE

    def documents(self, solution) -> list[Document]:
        if solution.merged_into_id:
            return []
        access = [PUBLIC] if solution.published else [capability_token("catalogue.curate")]
        text = " ".join(
            [solution.description, *solution.feature_labels(), *solution.domain_labels()]
        )
        return [
            Document(
                key=str(solution.pk),
                title=solution.name,
                text=text,
                access=access,
                fields={
                    "document": str(solution.pk),
                    "title": solution.name,
                    "section": "Solution",
                    "url": solution.get_absolute_url(),
                },
            )
        ]

    def keys(self, pk) -> list[str]:
        return [str(pk)]

    def queryset(self):
        from territoria.catalogue.models import Solution

        return Solution.objects.select_related("provider")


solution_indexer = SolutionIndexer()
