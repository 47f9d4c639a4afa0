//! Products: the catalogue. Anyone whose role may read products sees all
//! of them (products have no owner); writing needs the `all` scope. Create,
//! update, upsert by external id and the batch share [`write::write`]; the
//! export table is [`export`].

pub mod export;
pub mod write;

use crm_api_types::batch::{BatchMode, RecordStatus};
use crm_api_types::products::{NewProduct, Product, ProductPatch, ProductQuery};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, field_names, lock_workspace, transaction};
use crm_db::paging::Keyset;
use crm_db::products::{ProductFilter, ProductRow, ProductSort};
use crm_domain::access::{Action, ObjectType};
use crm_domain::money::Money;
use uuid::Uuid;

use crate::batch::{Record, Target};
use crate::{Actor, AppError, Expected};

pub const ENTITY: &str = crm_db::change_log::PRODUCT;

pub fn view(row: ProductRow) -> Product {
    let f = row.fields;
    Product {
        id: row.id.0,
        sku: f.sku,
        name: f.name,
        external_id: f.external_id,
        category: f.category,
        unit: f.unit,
        price: match (f.price_minor, f.currency) {
            (Some(amount_minor), Some(currency)) => Some(Money {
                amount_minor,
                currency,
            }),
            _ => None,
        },
        active: f.active,
        description: f.description,
        version: row.version,
        created_by: row.created_by.map(Uuid::from),
        updated_by: row.updated_by.map(Uuid::from),
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

/// The list filter a query names.
pub fn filter(q: &ProductQuery) -> ProductFilter {
    ProductFilter {
        q: q.q
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty()),
        category: q.category.clone(),
        active: q.active,
        external_id: q.external_id.clone(),
        updated_from: q.updated_since.map(|at| at.naive_utc()),
    }
}

/// A create body as the patch the write path takes.
fn as_patch(n: NewProduct) -> ProductPatch {
    ProductPatch {
        sku: Some(n.sku),
        name: Some(n.name),
        external_id: Some(n.external_id),
        category: Some(n.category),
        unit: Some(n.unit),
        price: Some(n.price),
        active: n.active,
        description: Some(n.description),
    }
}

/// Writes one record; its refusal is the use case's error.
fn write_one(
    conn: &mut AnyConnection,
    actor: &Actor,
    mode: BatchMode,
    target: Target,
    body: ProductPatch,
    expected: Expected,
) -> Result<(RecordStatus, Product), AppError> {
    let record = Record {
        index: 0,
        target,
        body,
    };
    let outcome = write::write(conn, actor, mode, vec![record], expected.0)?
        .pop()
        .map(|(_, o)| o)
        .ok_or_else(|| AppError::internal("no outcome for the record"))?;
    let (status, row) = outcome.map_err(|e| e.into_app())?;
    Ok((status, view(row)))
}

/// Creates a product inside the caller's transaction (the workspace lock taken).
pub fn create_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewProduct,
) -> Result<Product, AppError> {
    let patch = as_patch(body);
    let (_, product) = write_one(
        conn,
        actor,
        BatchMode::Create,
        Target::New,
        patch,
        Expected(None),
    )?;
    Ok(product)
}

/// Creates a product.
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewProduct,
) -> Result<Product, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        create_in(conn, actor, body)
    })
}

/// A product.
pub fn get(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Product, AppError> {
    actor.require(ObjectType::Products, Action::Read)?;
    Ok(view(crm_db::products::find(conn, actor.workspace_id, id)?))
}

/// The product with this external id.
pub fn get_by_external_id(
    conn: &mut AnyConnection,
    actor: &Actor,
    key: &str,
) -> Result<Product, AppError> {
    actor.require(ObjectType::Products, Action::Read)?;
    let keys = [key.to_owned()];
    crm_db::products::find_by_external_ids(conn, actor.workspace_id, &keys)?
        .into_iter()
        .next()
        .map(view)
        .ok_or(AppError::NotFound)
}

/// One page of products (one row more than the limit, when there is more).
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    filter: &ProductFilter,
    keyset: &Keyset<ProductSort>,
) -> Result<Vec<ProductRow>, AppError> {
    actor.require(ObjectType::Products, Action::Read)?;
    Ok(crm_db::products::list(
        conn,
        actor.workspace_id,
        filter,
        keyset,
    )?)
}

/// Merge-patches a product.
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: ProductPatch,
) -> Result<Product, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        let (_, product) = write_one(
            conn,
            actor,
            BatchMode::Update,
            Target::Id(id),
            patch,
            expected,
        )?;
        Ok(product)
    })
}

/// Creates or updates the product with this external id (a create needs
/// `sku` and `name`); `true` when it was created. A body naming another
/// external id is refused.
pub fn upsert(
    conn: &mut AnyConnection,
    actor: &Actor,
    key: String,
    expected: Expected,
    patch: ProductPatch,
) -> Result<(Product, bool), AppError> {
    same_key(&patch.external_id, &key)?;
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        let (status, product) = write_one(
            conn,
            actor,
            BatchMode::Upsert,
            Target::Key(key),
            patch,
            expected,
        )?;
        Ok((product, status == RecordStatus::Created))
    })
}

/// A body's `external_id` must be the key the upsert names.
fn same_key(body: &Option<Option<String>>, key: &str) -> Result<(), AppError> {
    match body {
        Some(Some(other)) if other != key => Err(AppError::validation(
            "external_id",
            "must equal the external id in the path",
        )),
        _ => Ok(()),
    }
}

/// Soft-deletes a product (order lines keep referring to it); the change
/// log keeps what it held.
pub fn delete(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
) -> Result<(), AppError> {
    actor.require(ObjectType::Products, Action::Read)?;
    transaction(conn, |conn| {
        let ws = actor.workspace_id;
        lock_workspace(conn, ws)?;
        let current = crm_db::products::find(conn, ws, id)?;
        actor.require_all(ObjectType::Products, Action::Delete)?;
        let version = expected.check(current.version)?;
        crm_db::products::soft_delete(conn, ws, id, version, Some(actor.user_id()))?;
        let values =
            crm_db::change_log::values(&field_names(&current.fields), Some(&current.fields), None);
        actor.record_change(conn, ENTITY, id, Op::Delete, vec![], values)
    })
}
