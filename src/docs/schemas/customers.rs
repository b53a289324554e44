//! The `/customer/*` (and `/end_user/*`) bodies and answers. The settable fields are the
//! handlers' own `CustomerFields` and `BudgetFields`.

use super::budgets::BudgetObject;
use crate::budgets::fields::BudgetFields;
use crate::customers::fields::CustomerFields;
use serde_json::Value;
use utoipa::ToSchema;

/// `POST /customer/new`. Budget fields create a budget object for the customer (give
/// them or `budget_id`, not both).
#[derive(ToSchema)]
pub struct CustomerNewRequest {
    user_id: String,
    /// The customer's spend so far, in USD.
    #[schema(minimum = 0)]
    spend: Option<f64>,
    #[serde(flatten)]
    customer: CustomerFields,
    #[serde(flatten)]
    budget: BudgetFields,
}

/// `POST /customer/update`: the fields given a value change (`null` leaves one as it is).
/// Budget fields change the customer's budget object (a new one if it has none).
#[derive(ToSchema)]
pub struct CustomerUpdateRequest {
    user_id: String,
    #[serde(flatten)]
    customer: CustomerFields,
    #[serde(flatten)]
    budget: BudgetFields,
}

/// `POST /customer/delete`, `/customer/block`, `/customer/unblock`.
#[derive(ToSchema)]
pub struct CustomerIdsRequest {
    #[schema(min_items = 1)]
    user_ids: Vec<String>,
}

/// A customer (LiteLLM's `CustomerResponse`).
#[derive(ToSchema)]
pub struct CustomerObject {
    user_id: String,
    alias: Option<String>,
    /// USD spent since the budget's last reset.
    spend: f64,
    allowed_model_region: Option<String>,
    default_model: Option<String>,
    budget_id: Option<String>,
    blocked: bool,
    models: Vec<String>,
    litellm_budget_table: Option<BudgetObject>,
    /// Not kept: always `null`.
    object_permission_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    object_permission: Option<Value>,
}

#[derive(ToSchema)]
pub struct CustomersDeleted {
    deleted_customers: u64,
    message: String,
}

#[derive(ToSchema)]
pub struct CustomersBlocked {
    blocked_users: Vec<CustomerObject>,
}

/// The ids of the customers still blocked.
#[derive(ToSchema)]
pub struct CustomersUnblocked {
    blocked_users: Vec<String>,
}
