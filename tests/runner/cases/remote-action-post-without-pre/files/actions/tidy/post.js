console.log('post ran');
