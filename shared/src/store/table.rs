//! The table's definition comes from the SAM template, so DynamoDB Local (tests and the
//! dev stack) gets exactly the keys and indexes that AWS gets.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use serde::Deserialize;

/// The logical id of the table in `infra/template.yaml`.
pub const TEMPLATE_TABLE_RESOURCE: &str = "LoyaltyTable";

#[derive(Debug, thiserror::Error)]
pub enum TableDefinitionError {
    #[error("template is not valid YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("template has no resource {TEMPLATE_TABLE_RESOURCE} with the table's properties")]
    Missing,
    #[error("the table definition is not one DynamoDB accepts: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableDefinition {
    pub attribute_definitions: Vec<AttributeDef>,
    pub key_schema: Vec<KeyDef>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<IndexDef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDef {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyDef {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IndexDef {
    pub index_name: String,
    pub key_schema: Vec<KeyDef>,
    pub projection: ProjectionDef,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProjectionDef {
    pub projection_type: String,
}

impl TableDefinition {
    /// Reads the table's key schema and indexes out of the SAM template.
    pub fn from_sam_template(yaml: &str) -> Result<Self, TableDefinitionError> {
        let template: serde_yaml::Value = serde_yaml::from_str(yaml)?;
        let properties = template
            .get("Resources")
            .and_then(|r| r.get(TEMPLATE_TABLE_RESOURCE))
            .and_then(|t| t.get("Properties"))
            .ok_or(TableDefinitionError::Missing)?;
        Ok(serde_yaml::from_value(properties.clone())?)
    }

    /// Creates the table on-demand, with a stream, as the template does in AWS.
    pub async fn create(
        &self,
        client: &Client,
        table_name: &str,
    ) -> Result<(), TableDefinitionError> {
        let invalid =
            |e: aws_sdk_dynamodb::error::BuildError| TableDefinitionError::Invalid(e.to_string());
        let mut request = client
            .create_table()
            .table_name(table_name)
            .billing_mode(BillingMode::PayPerRequest)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build()
                    .map_err(invalid)?,
            );
        for attribute in &self.attribute_definitions {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(&attribute.attribute_name)
                    .attribute_type(ScalarAttributeType::from(attribute.attribute_type.as_str()))
                    .build()
                    .map_err(invalid)?,
            );
        }
        for key in &self.key_schema {
            request = request.key_schema(key_element(key).map_err(invalid)?);
        }
        for index in &self.global_secondary_indexes {
            let mut gsi = GlobalSecondaryIndex::builder()
                .index_name(&index.index_name)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(
                            index.projection.projection_type.as_str(),
                        ))
                        .build(),
                );
            for key in &index.key_schema {
                gsi = gsi.key_schema(key_element(key).map_err(invalid)?);
            }
            request = request.global_secondary_indexes(gsi.build().map_err(invalid)?);
        }
        request.send().await.map_err(|e| {
            TableDefinitionError::Invalid(
                aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string(),
            )
        })?;
        Ok(())
    }
}

fn key_element(key: &KeyDef) -> Result<KeySchemaElement, aws_sdk_dynamodb::error::BuildError> {
    KeySchemaElement::builder()
        .attribute_name(&key.attribute_name)
        .key_type(KeyType::from(key.key_type.as_str()))
        .build()
}
