// Magento searchCriteria from flat query keys: groups are ANDed, filters in a group ORed.
export const MAX_PAGE_SIZE = 300;

interface Filter {
  field: string;
  value: string;
  condition: string;
}

export interface SearchCriteria {
  groups: Filter[][];
  pageSize: number | null;
  currentPage: number;
}

export function parseSearchCriteria(query: Record<string, string>): SearchCriteria {
  const groups: Filter[][] = [];
  for (const [key, value] of Object.entries(query)) {
    const m = /^searchCriteria\[filter_groups\]\[(\d+)\]\[filters\]\[(\d+)\]\[(field|value|condition_type)\]$/.exec(
      key,
    );
    if (!m) continue;
    const g = (groups[Number(m[1])] ??= []);
    const f = (g[Number(m[2])] ??= { field: '', value: '', condition: 'eq' });
    if (m[3] === 'field') f.field = value;
    else if (m[3] === 'value') f.value = value;
    else f.condition = value;
  }
  const pageSize = query['searchCriteria[pageSize]'];
  const currentPage = query['searchCriteria[currentPage]'];
  return {
    groups: groups.filter(Boolean).map((g) => g.filter(Boolean)),
    pageSize: pageSize ? Number(pageSize) : null,
    currentPage: currentPage ? Math.max(1, Number(currentPage)) : 1,
  };
}

function likeToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function matches(item: Record<string, unknown>, f: Filter): boolean {
  const actual = item[f.field];
  const text = actual === undefined || actual === null ? '' : String(actual);
  switch (f.condition) {
    case 'like':
      return likeToRegExp(f.value).test(text);
    case 'neq':
      return text !== f.value;
    case 'in':
      return f.value.split(',').includes(text);
    case 'gt':
      return Number(text) > Number(f.value);
    case 'lt':
      return Number(text) < Number(f.value);
    case 'gteq':
      return Number(text) >= Number(f.value);
    case 'lteq':
      return Number(text) <= Number(f.value);
    default:
      return text === f.value;
  }
}

/** Magento's list shape: { items, search_criteria, total_count }. */
export function applySearchCriteria<T extends object>(items: T[], criteria: SearchCriteria) {
  const filtered = items.filter((item) =>
    criteria.groups.every((g) => g.some((f) => matches(item as Record<string, unknown>, f))),
  );
  const size = criteria.pageSize ?? filtered.length;
  const start = criteria.pageSize ? (criteria.currentPage - 1) * size : 0;
  return {
    items: filtered.slice(start, start + size),
    search_criteria: {
      filter_groups: criteria.groups.map((g) => ({
        filters: g.map((f) => ({ field: f.field, value: f.value, condition_type: f.condition })),
      })),
      ...(criteria.pageSize ? { page_size: criteria.pageSize, current_page: criteria.currentPage } : {}),
    },
    total_count: filtered.length,
  };
}
