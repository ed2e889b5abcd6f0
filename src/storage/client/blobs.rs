//! Blob service: create and list containers, put, get and list block blobs.

use super::*;

impl StorageClient {
    /// Creates a container; `Ok(false)` when it already exists.
    pub async fn create_container(&self, container: &str) -> Result<bool, ClientError> {
        let response = self
            .send(
                Service::Blob,
                Method::PUT,
                self.url(Service::Blob, &[container], &[("restype", "container")]),
                Vec::new(),
                Vec::new(),
            )
            .await?;
        match response.status {
            201 => Ok(true),
            409 => Ok(false),
            _ => Err(service_error(Service::Blob, &response)),
        }
    }

    /// Put Blob as a block blob (replacing one that exists).
    pub async fn put_block_blob(
        &self,
        container: &str,
        name: &str,
        content: &[u8],
        content_type: &str,
    ) -> Result<(), ClientError> {
        let mut segments = vec![container];
        segments.extend(name.split('/'));
        let response = self
            .send(
                Service::Blob,
                Method::PUT,
                self.url(Service::Blob, &segments, &[]),
                vec![
                    ("x-ms-blob-type", "BlockBlob".to_owned()),
                    ("content-type", content_type.to_owned()),
                ],
                content.to_vec(),
            )
            .await?;
        match response.status {
            201 => Ok(()),
            _ => Err(service_error(Service::Blob, &response)),
        }
    }

    /// Get Blob: the content, or `None` when the blob (or its container) does not exist.
    pub async fn get_blob(
        &self,
        container: &str,
        name: &str,
    ) -> Result<Option<Vec<u8>>, ClientError> {
        let mut segments = vec![container];
        segments.extend(name.split('/'));
        let response = self
            .send(
                Service::Blob,
                Method::GET,
                self.url(Service::Blob, &segments, &[]),
                Vec::new(),
                Vec::new(),
            )
            .await?;
        match response.status {
            200 => Ok(Some(response.body)),
            404 => Ok(None),
            _ => Err(service_error(Service::Blob, &response)),
        }
    }

    /// The names of all containers.
    pub async fn list_containers(&self) -> Result<Vec<String>, ClientError> {
        self.list_names(Service::Blob, &[], &[("comp", "list")], "Container")
            .await
    }

    /// The names of all blobs in a container.
    pub async fn list_blobs(&self, container: &str) -> Result<Vec<String>, ClientError> {
        self.list_names(
            Service::Blob,
            &[container],
            &[("restype", "container"), ("comp", "list")],
            "Blob",
        )
        .await
    }
}
