/** What the hand-written baseline server needs from its database, SQLite or PostgreSQL. */
export type MaybePromise<T> = T | Promise<T>;

export type Order = 'desc' | 'asc' | 'none';

export interface ListQuery {
  /** `views > min`, when filtered. */
  min: number | undefined;
  order: Order;
  /** `@request.auth.id`: '' for guests. */
  authId: string;
  limit: number;
  offset: number;
}

export interface PostRecord {
  id: string;
  title: string;
  body: string;
  /** 0/1 on SQLite, a boolean on PostgreSQL. */
  published: boolean | number;
  owner: string;
  views: number;
  created: string;
  updated: string;
}

export interface UserRecord {
  id: string;
  password: string;
  tokenKey: string;
  email: string;
  emailVisibility: boolean | number;
  verified: boolean | number;
  name: string;
  avatar: string;
  created: string;
  updated: string;
}

export interface Store {
  /** The post if the view rule `published = true || owner = @request.auth.id` lets `authId` see it. */
  viewPost(id: string, authId: string): MaybePromise<PostRecord | undefined>;
  listPosts(q: ListQuery): MaybePromise<PostRecord[]>;
  countPosts(q: ListQuery): MaybePromise<number>;
  userById(id: string): MaybePromise<UserRecord | undefined>;
  userByEmail(email: string): MaybePromise<UserRecord | undefined>;
  usersByIds(ids: readonly string[]): MaybePromise<UserRecord[]>;
  /** All rows in one transaction. */
  insertPosts(rows: readonly PostRecord[]): MaybePromise<void>;
  /** `views += delta` under the update rule `owner = @request.auth.id`; the updated row or undefined. */
  addViews(id: string, ownerId: string, delta: number, updated: string): MaybePromise<PostRecord | undefined>;
  close(): MaybePromise<void>;
}

export const POST_COLUMNS = '"id", "title", "body", "published", "owner", "views", "created", "updated"';
export const USER_COLUMNS_SQL = '"id", "password", "tokenKey", "email", "emailVisibility", "verified", "name", "avatar", "created", "updated"';
export const ORDER_SQL: Record<Order, string> = { desc: 'ORDER BY "created" DESC', asc: 'ORDER BY "created" ASC', none: 'ORDER BY "rowid"' };
