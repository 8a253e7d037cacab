/** The asset lists of the account (orders, carts...): one row per list, items inside as JSON. */
export type AssetListTables = {
  asset_lists: {
    id: string;
    name: string;
    description: string;
    type: string;
    state: string;
    /** Set by approvers and functional users; null until then. */
    message: string | null;
    /** JSON object (functional users). */
    properties: string;
    /** 0 or 1. */
    archived: number;
    /** JSON `{id, type, container: {id, type}}` of the asset the list is about, or null. */
    asset: string | null;
    /** That asset's container, for the approvers' lookups (its admins approve). */
    asset_container_kind: string | null;
    asset_container_id: string | null;
    /** JSON array of `{asset: {id, type, container}, properties}`. */
    items: string;
    owner_id: string;
    bss_account_id: string;
    created_at: string;
    last_updated_at: string;
    last_updated_by: string;
  };
};

export type AssetListRow = AssetListTables['asset_lists'];
