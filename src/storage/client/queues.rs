//! Queue service: create and list queues; put, peek, receive and delete messages.

use super::*;

impl StorageClient {
    /// Creates a queue (idempotent: an existing queue without metadata answers 204).
    pub async fn create_queue(&self, queue: &str) -> Result<(), ClientError> {
        let response = self
            .send(
                Service::Queue,
                Method::PUT,
                self.url(Service::Queue, &[queue], &[]),
                Vec::new(),
                Vec::new(),
            )
            .await?;
        match response.status {
            201 | 204 => Ok(()),
            _ => Err(service_error(Service::Queue, &response)),
        }
    }

    /// Put Message with the text as given (already encoded by the caller).
    pub async fn put_message(&self, queue: &str, text: &str) -> Result<(), ClientError> {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><QueueMessage><MessageText>{}</MessageText></QueueMessage>",
            xml::escape(text)
        );
        let response = self
            .send(
                Service::Queue,
                Method::POST,
                self.url(Service::Queue, &[queue, "messages"], &[]),
                vec![("content-type", "application/xml; charset=utf-8".to_owned())],
                body.into_bytes(),
            )
            .await?;
        match response.status {
            201 => Ok(()),
            _ => Err(service_error(Service::Queue, &response)),
        }
    }

    /// Peek Messages: up to 32 message texts, left in the queue.
    pub async fn peek_messages(&self, queue: &str, count: u8) -> Result<Vec<String>, ClientError> {
        let count = count.clamp(1, 32).to_string();
        let response = self
            .send(
                Service::Queue,
                Method::GET,
                self.url(
                    Service::Queue,
                    &[queue, "messages"],
                    &[("peekonly", "true"), ("numofmessages", &count)],
                ),
                Vec::new(),
                Vec::new(),
            )
            .await?;
        if response.status != 200 {
            return Err(service_error(Service::Queue, &response));
        }
        Ok(xml::elements(
            &String::from_utf8_lossy(&response.body),
            "MessageText",
        ))
    }

    /// Get Messages: up to 32 messages, invisible for `visibility`.
    pub async fn receive_messages(
        &self,
        queue: &str,
        count: u8,
        visibility: Duration,
    ) -> Result<Vec<ReceivedMessage>, ClientError> {
        let count = count.clamp(1, 32).to_string();
        let timeout = visibility.as_secs().clamp(1, 7 * 24 * 3600).to_string();
        let response = self
            .send(
                Service::Queue,
                Method::GET,
                self.url(
                    Service::Queue,
                    &[queue, "messages"],
                    &[("numofmessages", &count), ("visibilitytimeout", &timeout)],
                ),
                Vec::new(),
                Vec::new(),
            )
            .await?;
        if response.status != 200 {
            return Err(service_error(Service::Queue, &response));
        }
        let text = String::from_utf8_lossy(&response.body);
        Ok(xml::blocks(&text, "QueueMessage")
            .into_iter()
            .map(|block| {
                let field = |tag| {
                    xml::elements(block, tag)
                        .into_iter()
                        .next()
                        .unwrap_or_default()
                };
                ReceivedMessage {
                    id: field("MessageId"),
                    pop_receipt: field("PopReceipt"),
                    text: field("MessageText"),
                }
            })
            .collect())
    }

    /// Delete Message.
    pub async fn delete_message(
        &self,
        queue: &str,
        message: &ReceivedMessage,
    ) -> Result<(), ClientError> {
        let response = self
            .send(
                Service::Queue,
                Method::DELETE,
                self.url(
                    Service::Queue,
                    &[queue, "messages", &message.id],
                    &[("popreceipt", &message.pop_receipt)],
                ),
                Vec::new(),
                Vec::new(),
            )
            .await?;
        match response.status {
            204 => Ok(()),
            _ => Err(service_error(Service::Queue, &response)),
        }
    }

    /// The names of all queues.
    pub async fn list_queues(&self) -> Result<Vec<String>, ClientError> {
        self.list_names(Service::Queue, &[], &[("comp", "list")], "Queue")
            .await
    }
}
