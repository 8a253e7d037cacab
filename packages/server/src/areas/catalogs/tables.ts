/** Tables of the catalogs area. */
export type CatalogTables = {
  catalogs: {
    id: string;
    name: string;
    description: string;
    generator: string;
    bss_account_id: string;
    capacity_limit: number;
    /** 0 or 1. */
    is_governed: number;
    subtype: string | null;
    creator_iam_id: string;
    created_at: string;
  };
  catalog_members: {
    catalog_id: string;
    iam_id: string;
    /** viewer, editor or admin. */
    role: string;
    created_at: string;
  };
};

export type CatalogRow = CatalogTables['catalogs'];
export type CatalogMemberRow = CatalogTables['catalog_members'];
