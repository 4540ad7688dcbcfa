"""EIP-1459 DNS discovery: resolve an ``enrtree://KEY@domain`` tree over DNS, verifying everything.

Rules:
* The root TXT record at the domain must verify under the link's key (else BadSignature).
* Every other record is fetched by its label and must hash to it (``base32(keccak256(text)[:16])``);
  a mismatch is a tampered tree: :class:`TreeHashMismatch`. Branch labels are walked lazily,
  depth first: :meth:`TreeResolver.walk` yields records as they are found, so a caller that wants
  ``n`` nodes fetches little more than ``n`` leaves.
* ``l=`` link subtrees are followed (each linked tree verified under its own key), at most
  ``max_link_depth`` deep, each domain once.
* Sequence numbers: the last root seen per domain is remembered; a root with a lower ``seq`` is a
  rollback and is refused (the cached one is kept). Entries are content-addressed, so they are
  cached (bounded) across walks.
* A walk reads at most ``max_entries`` records (cycles and huge trees end there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from statuscli.core.errors import DecodeError, NetworkError, NotFound, RootRollback, TreeHashMismatch  # noqa: F401 (re-exported)
from statuscli.core.waku import enrtree
from statuscli.core.waku.enr import Enr, decode_enr
from statuscli.net.discv5.bounded import BoundedMap

TxtLookup = Callable[[str], Awaitable[str]]


def dnspython_lookup(nameserver: str | None = None, port: int = 53, timeout: float = 5.0) -> TxtLookup:
    """A TXT lookup through dnspython under trio (system resolver unless ``nameserver``)."""
    import dns.asyncbackend
    import dns.asyncresolver
    import dns.exception
    import dns.resolver

    resolver = dns.asyncresolver.Resolver(configure=nameserver is None)
    if nameserver is not None:
        resolver.nameservers = [nameserver]
        resolver.port = port
    resolver.lifetime = timeout
    backend = dns.asyncbackend.get_backend("trio")

    async def lookup(name: str) -> str:
        try:
            answer = await resolver.resolve(name, "TXT", backend=backend)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            raise NotFound(f"no TXT record at {name}") from None
        except dns.exception.Timeout:
            raise NetworkError(f"DNS lookup of {name} timed out") from None
        except dns.exception.DNSException as e:
            raise NetworkError(f"DNS lookup of {name} failed: {e}") from None
        return "".join(b"".join(rr.strings).decode("utf-8", "replace") for rr in answer)

    return lookup


class TreeResolver:
    def __init__(self, lookup: TxtLookup, *, cache_entries: int = 10_000, max_entries: int = 2000, max_link_depth: int = 3) -> None:
        self.lookup = lookup
        self.max_entries = max_entries
        self.max_link_depth = max_link_depth
        self.roots: dict[str, enrtree.Root] = {}
        self._entries: BoundedMap[tuple[str, str], str] = BoundedMap(cache_entries)

    async def root(self, link: enrtree.Link) -> enrtree.Root:
        root = enrtree.parse_root(await self.lookup(link.domain))
        root.check(link.public_key)
        known = self.roots.get(link.domain)
        if known is not None and root.seq < known.seq:
            raise RootRollback(f"{link.domain}: root seq {root.seq} is older than the {known.seq} already seen")
        self.roots[link.domain] = root
        return root

    async def _entry(self, domain: str, label: str) -> str:
        cached = self._entries.get((domain, label))
        if cached is not None:
            return cached
        text = (await self.lookup(f"{label}.{domain}")).strip()
        if enrtree.entry_label(text) != label:
            raise TreeHashMismatch(f"record {label}.{domain} does not hash to its label")
        self._entries[(domain, label)] = text
        return text

    async def walk(self, url: str) -> AsyncIterator[Enr]:
        """Every ENR of the tree at ``url`` and of the trees it links, verified, lazily."""
        budget = [self.max_entries]
        seen_domains: set[str] = set()
        async for enr in self._walk_tree(enrtree.parse_link(url), 0, budget, seen_domains):
            yield enr

    async def _walk_tree(self, link: enrtree.Link, depth: int, budget: list[int], seen_domains: set[str]) -> AsyncIterator[Enr]:
        if link.domain in seen_domains:
            return
        seen_domains.add(link.domain)
        root = await self.root(link)
        links: list[enrtree.Link] = []
        async for kind, value in self._walk_labels(link.domain, root.enr_root, budget):
            if kind == "enr":
                yield value
        if depth < self.max_link_depth:
            async for kind, value in self._walk_labels(link.domain, root.link_root, budget):
                if kind == "link":
                    links.append(value)
        for sub in links:
            async for enr in self._walk_tree(sub, depth + 1, budget, seen_domains):
                yield enr

    async def _walk_labels(self, domain: str, start: str, budget: list[int]):
        stack, visited = [start], set()
        while stack:
            label = stack.pop()
            if label in visited:
                continue
            visited.add(label)
            if budget[0] <= 0:
                return
            budget[0] -= 1
            text = await self._entry(domain, label)
            kind = enrtree.classify(text)
            if kind == "branch":
                stack.extend(reversed(enrtree.parse_branch(text)))
            elif kind == "enr":
                yield "enr", decode_enr(text)
            elif kind == "link":
                yield "link", enrtree.parse_link(text)
            else:
                raise DecodeError(f"a root record inside the tree at {label}.{domain}")
