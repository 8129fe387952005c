-- Pass-through: the cost of reading and writing the bid stream.
SELECT auction, bidder, price, dateTime, extra FROM bid;
