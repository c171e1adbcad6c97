import Warren

extension Order {
    /// The order worker: `warren worker coffee/order`.
    static func context(settings: Settings) -> BoundedContext {
        var context = BoundedContext("order", system: CoffeeSystem.name, migrations: migrations)
        context.on(PlaceOrder.self, before: { command, calls in
            await askProduct(command.productId, deadline: settings.checkDeadline, calls)
        }) { command, answer, handling in
            try await place(command, answer, handling)
        }
        context.on(Product.ProductRegistered.self) { event, handling in
            try await Orders(database: handling.database).keepProduct(id: event.id, price: event.price, status: event.status, version: 0)
        }
        context.on(Product.UpdatedProductStatus.self) { event, handling in
            try await Orders(database: handling.database).keepProduct(id: event.id, price: event.price, status: event.status,
                                                                      version: event.version)
        }
        return context
    }

    /// Product's answer, before the delivery's transaction opens. A failed call is an answer
    /// too (the order is refused as unavailable), never a failed delivery: the customer waits.
    static func askProduct(_ productId: Int, deadline: Duration?, _ calls: Calls) async -> ProductAnswer {
        switch await calls.result(of: Product.CheckProduct(productId: productId), deadline: deadline) {
        case .success(let reply):
            guard reply.found, let price = reply.price, let status = reply.status else { return .unknown }
            return .product(price: price, status: status)
        case .failure(let error):
            return .unavailable(reason: error.reasonForClient)
        }
    }

    /// Placed: the order is stored and announced (201). Refused: nothing is stored, and the
    /// customer reads why (409), or that product could not be asked (503 with Retry-After).
    static func place(_ command: PlaceOrder, _ answer: ProductAnswer, _ handling: Handling) async throws {
        switch Policy.decide(productId: command.productId, answer) {
        case .place(let price):
            let order = try await Orders(database: handling.database).place(productId: command.productId, price: price)
            try handling.publish(OrderPlaced(id: order.id, productId: order.productId, price: order.price))
            handling.respond(try .created(id: order.id, order))
        case .refuse(let reason):
            handling.logger.info("order refused", metadata: ["product.id": "\(command.productId)", "reason": "\(reason)"])
            handling.respond(.refused(.conflict, reason))
        case .unavailable(let reason):
            handling.logger.warning("order refused: product unavailable", metadata: ["product.id": "\(command.productId)"])
            handling.respond(.refused(.unavailable, reason))
        }
    }
}
