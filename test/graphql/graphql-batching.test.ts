/**
 * No N+1: nested relations, back-relations and back-relation counts are batched per level, so the
 * number of SQL statements of a query does not depend on how many records it returns. 100 posts
 * with their authors, their comments and comment counts cost the same statements as 10.
 */
import assert from 'node:assert/strict';
import { eachAppDialect } from '../http/test-app.js';
import { gql } from './graphql-fixture.js';
import { countQueries } from './query-counter.js';

eachAppDialect('graphql batches relations: statements do not grow with the page size', async (t) => {
  const make = async (body: unknown) => {
    const res = await t.call('POST', '/api/collections', { body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const authors = await make({ name: 'authors', fields: [{ name: 'name', type: 'text' }], listRule: '', viewRule: '' });
  const posts = await make({
    name: 'posts',
    fields: [{ name: 'title', type: 'text' }, { name: 'author', type: 'relation', collectionId: authors.id, maxSelect: 1 }],
    listRule: '', viewRule: '',
  });
  // a rule on comments, so the batched queries carry a rule fragment like real apps
  await make({
    name: 'comments',
    fields: [{ name: 'body', type: 'text' }, { name: 'post', type: 'relation', collectionId: posts.id, maxSelect: 1 }],
    listRule: 'body != "hidden"', viewRule: 'body != "hidden"',
  });

  const su = { auth: null, isSuperuser: true, request: { auth: null } };
  await t.app.db.transaction(async () => {
    const authorIds: string[] = [];
    for (let i = 0; i < 10; i++) authorIds.push(String((await t.app.records.create('authors', { name: `a${i}` }, {}, su)).record.id));
    for (let i = 0; i < 100; i++) {
      const post = await t.app.records.create('posts', { title: `p${i}`, author: authorIds[i % 10] }, {}, su);
      for (let j = 0; j < i % 4; j++) await t.app.records.create('comments', { body: j === 2 ? 'hidden' : `c${j}`, post: post.record.id }, {}, su);
    }
  });

  const query = `query($n: Int!) {
    postsList(perPage: $n, sort: "title") {
      items { title author { name } comments_via_post { body post { title } } comments_via_post_count }
    }
  }`;
  // warm the schema and rule caches so both runs do the same kind of work
  await gql(t, query, { variables: { n: 1 }, token: null });

  const counter = countQueries(t.app.db);
  try {
    const small = await gql(t, query, { variables: { n: 10 }, token: null });
    assert.equal(small.status, 200, JSON.stringify(small.body));
    const forTen = counter.count;
    counter.reset();
    const big = await gql(t, query, { variables: { n: 100 }, token: null });
    assert.equal(big.status, 200, JSON.stringify(big.body));
    const forHundred = counter.count;

    const items = big.body.data.postsList.items;
    assert.equal(items.length, 100);
    const p7 = items.find((p: any) => p.title === 'p7');
    assert.equal(p7.author.name, 'a7');
    // p7 has comments c0, c1 and one the rule hides
    assert.deepEqual(p7.comments_via_post.map((c: any) => c.body), ['c0', 'c1']);
    assert.equal(p7.comments_via_post_count, 2);
    assert.equal(p7.comments_via_post[0].post.title, 'p7');

    // count + page, authors, comments, comment counts, the comments' posts
    assert.equal(forHundred, forTen, `10 posts: ${forTen} statements, 100 posts: ${forHundred}\n${counter.statements.join('\n')}`);
    assert.ok(forHundred <= 6, `expected at most 6 statements, got ${forHundred}:\n${counter.statements.join('\n')}`);
  } finally {
    counter.restore();
  }
});
